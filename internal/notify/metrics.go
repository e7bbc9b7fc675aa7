package notify

import "github.com/prometheus/client_golang/prometheus"

// Channels a notification travels by.
const (
	ChannelInApp   = "inapp"
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// metrics count what went out, per channel: messages sent, attempts that failed (and will
// be retried), and deliveries given up after the last attempt.
type metrics struct {
	sent, failed, gaveUp *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yingshang_notify_sent_total",
			Help: "Notifications delivered, by channel (inapp, email, webhook)."}, []string{"channel"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yingshang_notify_failed_total",
			Help: "Delivery attempts that failed, by channel (each is retried until the last attempt)."}, []string{"channel"}),
		gaveUp: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yingshang_notify_given_up_total",
			Help: "Deliveries that failed their last attempt, by channel."}, []string{"channel"}),
	}
	for _, c := range []string{ChannelInApp, ChannelEmail, ChannelWebhook} {
		m.sent.WithLabelValues(c)
	}
	for _, c := range []string{ChannelEmail, ChannelWebhook} {
		m.failed.WithLabelValues(c)
		m.gaveUp.WithLabelValues(c)
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.failed, m.gaveUp)
	}
	return m
}
