//! The server's Prometheus metrics (`GET /metrics`, text format): requests by route and status,
//! a latency histogram per route, checks waiting and checks in flight.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// A request's route (the pattern, not the path: `/v1/specs/{*id}`) and method.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

/// [`RouteLabels`] plus the response status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 5 ms … ~41 s
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

/// Every metric, registered once.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<StatusLabels, Counter>,
    pub latency: HistogramFamily,
    /// Admitted checks waiting for a worker.
    pub queue_depth: Gauge,
    /// Checks running.
    pub in_flight: Gauge,
    /// Requests refused because the queue was full.
    pub rejected: Counter,
}

impl Metrics {
    pub fn new() -> Self {
        let requests = Family::<StatusLabels, Counter>::default();
        let latency = HistogramFamily::new_with_constructor(latency_histogram);
        let queue_depth = Gauge::default();
        let in_flight = Gauge::default();
        let rejected = Counter::default();
        let mut registry = Registry::with_prefix("idphoto");
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response, by route and method",
            latency.clone(),
        );
        registry.register(
            "queue_depth",
            "Admitted checks waiting for a worker",
            queue_depth.clone(),
        );
        registry.register("checks_in_flight", "Checks running", in_flight.clone());
        registry.register(
            "queue_full_rejections",
            "Checks refused with 503 because the queue was full",
            rejected.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            queue_depth,
            in_flight,
            rejected,
        }
    }

    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let route_labels = RouteLabels {
            method: method.to_owned(),
            route: route.to_owned(),
        };
        self.latency.get_or_create(&route_labels).observe(seconds);
        self.requests
            .get_or_create(&StatusLabels {
                method: route_labels.method,
                route: route_labels.route,
                status,
            })
            .inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // writing into a String cannot fail
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
