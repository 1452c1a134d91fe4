//! The admin API's answers: JSON bodies, one error type whose variants
//! carry their HTTP status, and reading a request's JSON body within
//! [`MAX_BODY_BYTES`] and [`BODY_TIMEOUT`]. Bad input is always a `4xx`
//! with a JSON `{"error": "..."}`, never a `500`.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::de::DeserializeOwned;

use super::views::ErrorView;
use super::{BODY_TIMEOUT, MAX_BODY_BYTES};

pub type Body = Full<Bytes>;

/// Why a request failed; each variant is one status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid admin token is required (Authorization: Bearer TOKEN)")]
    Unauthorized,
    #[error("this token's role is read: it may only GET")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(&'static str),
    #[error("the request body took longer than {} s", BODY_TIMEOUT.as_secs())]
    Timeout,
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is over {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("too many failed logins from this address; try again later")]
    Throttled,
    #[error("{0}")]
    BadGateway(String),
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Timeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The answer: `{"error": "..."}` with the status.
    pub fn response(&self) -> Response<Body> {
        let text = self.to_string();
        let mut response = json_with(self.status(), &ErrorView { error: &text });
        if let ApiError::Unauthorized = self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

pub type ApiResult = Result<Response<Body>, ApiError>;

/// `200` with `value` as JSON.
pub fn json<T: serde::Serialize>(value: &T) -> ApiResult {
    Ok(json_with(StatusCode::OK, value))
}

pub fn json_with<T: serde::Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{\"error\":\"unencodable\"}".into());
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(body))
        .unwrap_or_default()
}

/// Reads the whole body, at most [`MAX_BODY_BYTES`], within
/// [`BODY_TIMEOUT`].
pub async fn body_bytes(body: Incoming) -> Result<Bytes, ApiError> {
    let limited = Limited::new(body, MAX_BODY_BYTES);
    match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Err(_) => Err(ApiError::Timeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::TooLarge),
        Ok(Err(e)) => Err(ApiError::BadRequest(format!("cannot read the body: {e}"))),
    }
}

/// Parses a JSON body; an empty body is `{}`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))
}

/// A reason or text of 1 to `max` characters, no control characters
/// (newlines allowed in notices only).
pub fn text(field: &str, value: &str, max: usize, newlines: bool) -> Result<String, ApiError> {
    let value = value.trim();
    let chars = value.chars().count();
    if chars == 0 || chars > max {
        return Err(ApiError::BadRequest(format!(
            "{field} must be 1 to {max} characters, got {chars}"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(newlines && c == '\n'))
    {
        return Err(ApiError::BadRequest(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_bounded_and_printable() {
        assert_eq!(text("reason", " spam ", 200, false).unwrap(), "spam");
        assert!(text("reason", "", 200, false).is_err());
        assert!(text("reason", &"x".repeat(201), 200, false).is_err());
        assert!(text("reason", &"é".repeat(200), 200, false).is_ok());
        assert!(text("reason", "a\nb", 200, false).is_err());
        assert!(text("text", "a\nb", 200, true).is_ok());
        assert!(text("text", "a\u{7}b", 200, true).is_err());
    }

    #[test]
    fn bodies_parse_strictly() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Kick {
            reason: Option<String>,
        }
        assert!(parse::<Kick>(b"").is_ok());
        assert!(parse::<Kick>(br#"{"reason":"x"}"#).is_ok());
        assert!(matches!(
            parse::<Kick>(br#"{"reason":"x","extra":1}"#),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(parse::<Kick>(b"{"), Err(ApiError::BadRequest(_))));
    }
}
