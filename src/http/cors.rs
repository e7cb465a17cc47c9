//! Browser access (D14): any origin may call the mock.

use hyper::StatusCode;
use hyper::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, HeaderMap, HeaderValue, ORIGIN, VARY,
};

use crate::api::route::RouteId;
use crate::http::reply::Reply;

/// The request headers a browser may send.
const ALLOWED_HEADERS: &str = "Authorization, X-Project-ID, Content-Type, Prefer";
/// The methods a preflight on a path the mock does not serve allows: any, so that the
/// browser sends the request and reads its 404.
const ANY_METHOD: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/// The response headers a frontend may read: the mock's marker, and those its answers
/// carry for a client to act on.
const EXPOSED_HEADERS: &str = "Allow, Location, Retry-After, WWW-Authenticate, X-Gately-Mock, X-Gately-Mock-Verdict, X-Gately-Mock-Seq, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";
/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE: &str = "600";

/// The answer to a preflight `OPTIONS` on a route that allows `allow`.
pub(crate) fn preflight(allow: &'static str) -> Reply {
    Reply::empty(StatusCode::NO_CONTENT)
        .header(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(allow),
        )
        .header(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        )
        .header(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE))
}

/// The answer to a preflight on an API path: on a route, the methods it allows; elsewhere
/// under `/api/v1/` (`None`), any method.
pub(crate) fn api_preflight(route: Option<RouteId>) -> Reply {
    preflight(route.map_or(ANY_METHOD, |route| route.allow()))
}

/// Adds the CORS headers every response carries: the request's `Origin` echoed, and
/// `Vary: Origin` so caches keep answers to different origins apart.
pub(crate) fn decorate(reply: &mut Reply, request_headers: &HeaderMap) {
    if let Some(origin) = request_headers.get(ORIGIN) {
        reply
            .headers
            .append(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        reply.headers.append(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    reply
        .headers
        .append(VARY, HeaderValue::from_static("Origin"));
}
