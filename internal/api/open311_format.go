package api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// The documents of Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), in XML
// (required; element names as the specification's examples) and JSON (the Spark
// convention: a repeated element's container becomes an array, an empty value null).

// o311Format is the representation the path asks for (…/services.xml, …/requests.json).
type o311Format string

const (
	o311XML  o311Format = "xml"
	o311JSON o311Format = "json"
)

// splitFormat cuts "name.ext" into its name and format. Service codes contain dots
// (utilities.power), so the format is what follows the last one.
func splitFormat(file string) (name string, f o311Format, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return file, "", false
	}
	switch ext := strings.ToLower(file[i+1:]); ext {
	case "xml":
		return file[:i], o311XML, true
	case "json":
		return file[:i], o311JSON, true
	}
	return file[:i], "", false
}

const xmlHeader = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// write answers v (an XML document) or j (its JSON) with status.
func (f o311Format) write(w http.ResponseWriter, status int, v, j any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if f == o311JSON {
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = jsonEncoder(w).Encode(j)
		return
	}
	b, _ := xml.MarshalIndent(v, "", "  ") // plain structs of strings and numbers: it cannot fail
	h.Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xmlHeader))
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

// o311Discovery is the Service Discovery document (http://wiki.open311.org/Service_Discovery).
type o311Discovery struct {
	XMLName    xml.Name       `xml:"discovery" json:"-"`
	Changeset  string         `xml:"changeset" json:"changeset"`
	Contact    string         `xml:"contact" json:"contact"`
	KeyService string         `xml:"key_service" json:"key_service"`
	Endpoints  []o311Endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

type o311Endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

// o311Services is GET services.
type o311Services struct {
	XMLName  xml.Name      `xml:"services"`
	Services []o311Service `xml:"service"`
}

type o311Service struct {
	ServiceCode string `xml:"service_code" json:"service_code"`
	ServiceName string `xml:"service_name" json:"service_name"`
	Description string `xml:"description" json:"description"`
	Metadata    bool   `xml:"metadata" json:"metadata"`
	Type        string `xml:"type" json:"type"`
	Keywords    string `xml:"keywords" json:"keywords"`
	Group       string `xml:"group" json:"group"`
}

// o311Definition is GET services/{code}: our services have no attributes, so the list
// is empty (<attributes></attributes>, "attributes": []).
type o311Definition struct {
	XMLName     xml.Name `xml:"service_definition"`
	ServiceCode string   `xml:"service_code"`
	Attributes  struct {
		Attribute []struct{} `xml:"attribute"`
	} `xml:"attributes"`
}

type o311DefinitionJSON struct {
	ServiceCode string     `json:"service_code"`
	Attributes  []struct{} `json:"attributes"`
}

// o311Requests is GET requests and GET requests/{id}.
type o311Requests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Request `xml:"request"`
}

// o311Request is one service request as GET requests shows it; empty strings are empty
// elements in XML and null in JSON.
type o311Request struct {
	ServiceRequestID  string `xml:"service_request_id"`
	Status            string `xml:"status"`
	StatusNotes       string `xml:"status_notes"`
	ServiceName       string `xml:"service_name"`
	ServiceCode       string `xml:"service_code"`
	Description       string `xml:"description"`
	AgencyResponsible string `xml:"agency_responsible"`
	ServiceNotice     string `xml:"service_notice"`
	RequestedDatetime string `xml:"requested_datetime"`
	UpdatedDatetime   string `xml:"updated_datetime"`
	ExpectedDatetime  string `xml:"expected_datetime"`
	Address           string `xml:"address"`
	AddressID         string `xml:"address_id"`
	Zipcode           string `xml:"zipcode"`
	Lat               string `xml:"lat"`
	Long              string `xml:"long"`
	MediaURL          string `xml:"media_url"`
}

type o311RequestJSON struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Status            string   `json:"status"`
	StatusNotes       *string  `json:"status_notes"`
	ServiceName       *string  `json:"service_name"`
	ServiceCode       *string  `json:"service_code"`
	Description       *string  `json:"description"`
	AgencyResponsible *string  `json:"agency_responsible"`
	ServiceNotice     *string  `json:"service_notice"`
	RequestedDatetime *string  `json:"requested_datetime"`
	UpdatedDatetime   *string  `json:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime"`
	Address           *string  `json:"address"`
	AddressID         *string  `json:"address_id"`
	Zipcode           *string  `json:"zipcode"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          *string  `json:"media_url"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func number(s string) *float64 {
	f, err := strconv.ParseFloat(s, 64)
	if s == "" || err != nil {
		return nil
	}
	return &f
}

func (q o311Request) json() o311RequestJSON {
	return o311RequestJSON{ServiceRequestID: q.ServiceRequestID, Status: q.Status, StatusNotes: nullable(q.StatusNotes),
		ServiceName: nullable(q.ServiceName), ServiceCode: nullable(q.ServiceCode), Description: nullable(q.Description),
		AgencyResponsible: nullable(q.AgencyResponsible), ServiceNotice: nullable(q.ServiceNotice),
		RequestedDatetime: nullable(q.RequestedDatetime), UpdatedDatetime: nullable(q.UpdatedDatetime),
		ExpectedDatetime: nullable(q.ExpectedDatetime), Address: nullable(q.Address), AddressID: nullable(q.AddressID),
		Zipcode: nullable(q.Zipcode), Lat: number(q.Lat), Long: number(q.Long), MediaURL: nullable(q.MediaURL)}
}

func requestsJSON(rs []o311Request) []o311RequestJSON {
	out := make([]o311RequestJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.json())
	}
	return out
}

// o311Created is POST requests' answer: realtime, so the id at once and no token.
type o311Created struct {
	XMLName xml.Name `xml:"service_requests"`
	Request struct {
		ServiceRequestID string `xml:"service_request_id"`
		ServiceNotice    string `xml:"service_notice"`
		AccountID        string `xml:"account_id"`
	} `xml:"request"`
}

type o311CreatedJSON struct {
	ServiceRequestID string  `json:"service_request_id"`
	ServiceNotice    *string `json:"service_notice"`
	AccountID        *string `json:"account_id"`
}

// o311Token is GET tokens/{token}.
type o311Token struct {
	XMLName xml.Name `xml:"service_requests"`
	Request struct {
		ServiceRequestID string `xml:"service_request_id"`
		Token            string `xml:"token"`
	} `xml:"request"`
}

type o311TokenJSON struct {
	ServiceRequestID string `json:"service_request_id"`
	Token            string `json:"token"`
}

// o311Errors is the error document.
type o311Errors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []o311Error `xml:"error"`
}

// o311Error is one error: code (the HTTP status) and a description for the user.
type o311Error struct {
	Code        int    `xml:"code" json:"code"`
	Description string `xml:"description" json:"description"`
}

// o311Fail is a failed Open311 call: its HTTP status and the errors to list.
type o311Fail struct {
	Status int
	Errors []string
}

func (e *o311Fail) Error() string {
	return "open311: " + strconv.Itoa(e.Status) + " " + strings.Join(e.Errors, "; ")
}

func (f o311Format) fail(w http.ResponseWriter, e *o311Fail) {
	doc := o311Errors{}
	for _, d := range e.Errors {
		doc.Errors = append(doc.Errors, o311Error{Code: e.Status, Description: d})
	}
	list := doc.Errors
	if list == nil {
		list = []o311Error{}
	}
	f.write(w, e.Status, doc, list)
}
