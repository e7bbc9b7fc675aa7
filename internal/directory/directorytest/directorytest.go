// Package directorytest builds what directory tests need: valid credit codes, enterprise
// inputs and import workbooks.
package directorytest

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/directory"
	"yingshang/internal/directory/creditcode"
)

// Code returns the n-th valid credit code of a test (91 + Yuelu's division + n).
func Code(n int) string {
	c, err := creditcode.Complete(fmt.Sprintf("91430104%08d", n))
	if err != nil {
		panic(err)
	}
	return c
}

// Enterprise returns a valid input for the n-th test enterprise.
func Enterprise(n int) directory.EnterpriseInput {
	return directory.EnterpriseInput{
		Name: fmt.Sprintf("长沙测试%05d科技有限公司", n), CreditCode: Code(n), Industry: "I", Size: directory.SizeSmall,
		Ownership: directory.OwnershipPrivate, District: "430104", RegisteredCapital: 5_000_000_00, FoundedOn: "2018-06-01",
		Employees: 42, LegalRep: "王建国", ContactName: "李敏", ContactPhone: "13812345678", Address: "长沙市岳麓区麓谷大道1号",
	}
}

// Headers are the import template's headers, in order.
func Headers() []string {
	out := make([]string, len(directory.ImportColumns))
	for i, c := range directory.ImportColumns {
		out[i] = c.Header
	}
	return out
}

// Row returns in as an import row in template column order (capital in 万).
func Row(in directory.EnterpriseInput) []any {
	capital := ""
	if in.RegisteredCapital > 0 {
		capital = fmt.Sprintf("%d万", in.RegisteredCapital/1_000_000)
	}
	employees := ""
	if in.Employees > 0 {
		employees = fmt.Sprint(in.Employees)
	}
	return []any{in.Name, in.ShortName, in.CreditCode, directory.IndustryNameZH(in.Industry), directory.SizeNameZH(in.Size),
		directory.OwnershipNameZH(in.Ownership), directory.DistrictNameZH(in.District), directory.ChainNameZH(in.Chain),
		capital, in.FoundedOn, employees, in.LegalRep, in.ContactName, in.ContactPhone, in.Address}
}

// Workbook writes a one-sheet workbook: headers, then rows.
func Workbook(headers []string, rows [][]any) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		panic(err)
	}
	h := make([]any, len(headers))
	for i, s := range headers {
		h[i] = s
	}
	if err := sw.SetRow("A1", h); err != nil {
		panic(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, r); err != nil {
			panic(err)
		}
	}
	if err := sw.Flush(); err != nil {
		panic(err)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		panic(err)
	}
	return b.Bytes()
}
