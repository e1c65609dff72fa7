//! The HTTP side of the JSON API: `tiny_http` parses requests on its own threads; each
//! request is handed to the bridge's loop (which owns the world) through a channel and a
//! wake-up, and its response is written back by the thread that read it, so a slow HTTP
//! client never holds up the mail loop. The page's files (every `GET` outside `/api/` and
//! `/view/`) are read from the page's source (see `page.rs`) by the request's own thread,
//! without the loop;
//! `/` goes to `/live.html`, the live page (its query kept, e.g. `?theme=dark`).

use super::page::PageSource;
use mio::Waker;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Largest request body read (the API takes small JSON objects), but for an import.
const MAX_BODY: u64 = 64 * 1024;
/// Largest body of a bulk import (`.../import`: an mbox or message files).
const MAX_IMPORT_BODY: u64 = 256 * 1024 * 1024;
/// Most requests being handled at once; more get `503`.
const MAX_ACTIVE: usize = 32;
/// How long a request waits for the loop's answer.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP method of an API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
    Put,
    Delete,
    Other,
}

/// One request, as the API sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApiCall {
    pub method: Method,
    /// The path as sent (percent-encoded), without the query.
    pub path: String,
    /// The query string (percent-encoded), without `?`.
    pub query: String,
    /// The request's `Content-Type` ("" when none).
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The answer to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApiResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A call waiting for the loop's answer.
pub(super) struct PendingCall {
    pub call: ApiCall,
    reply: mpsc::Sender<ApiResponse>,
}

impl PendingCall {
    pub fn reply(self, response: ApiResponse) {
        // The HTTP client may have gone; nothing to do then.
        let _ = self.reply.send(response);
    }
}

/// The running HTTP server.
pub(super) struct HttpApi {
    pub addr: SocketAddr,
    /// Where the page's files come from.
    pub page: PageSource,
    server: Arc<tiny_http::Server>,
    calls: mpsc::Receiver<PendingCall>,
    acceptor: Option<JoinHandle<()>>,
}

impl HttpApi {
    /// Listens on `addr`; every request wakes the loop through `waker`.
    pub fn start(addr: SocketAddr, page: PageSource, waker: Arc<Waker>) -> io::Result<HttpApi> {
        let server = tiny_http::Server::http(addr).map_err(|e| {
            io::Error::new(io::ErrorKind::AddrInUse, format!("http on {addr}: {e}"))
        })?;
        let addr = server.server_addr().to_ip().unwrap_or(addr);
        let server = Arc::new(server);
        let (tx, calls) = mpsc::channel();
        let acceptor = {
            let (server, page) = (server.clone(), page.clone());
            std::thread::Builder::new()
                .name("http-api".into())
                .spawn(move || accept_requests(&server, &page, &tx, &waker))?
        };
        Ok(HttpApi {
            addr,
            page,
            server,
            calls,
            acceptor: Some(acceptor),
        })
    }

    /// The next call waiting, if any.
    pub fn next_request(&self) -> Option<PendingCall> {
        self.calls.try_recv().ok()
    }

    /// Stops accepting requests.
    pub fn shut_down(&self) {
        self.server.unblock();
    }
}

impl Drop for HttpApi {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}

fn accept_requests(
    server: &tiny_http::Server,
    page: &PageSource,
    calls: &mpsc::Sender<PendingCall>,
    waker: &Arc<Waker>,
) {
    let active = Arc::new(AtomicUsize::new(0));
    for request in server.incoming_requests() {
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_ACTIVE {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = request.respond(respond(error(503, "too many requests at once")));
            continue;
        }
        let (calls, waker, done) = (calls.clone(), waker.clone(), active.clone());
        let page = page.clone();
        let spawned = std::thread::Builder::new()
            .name("http-request".into())
            .spawn(move || {
                serve(request, &page, &calls, &waker);
                done.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            // Out of threads: the request was dropped with the closure (its socket closes).
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Reads one request, hands it to the loop (or reads the page's file), writes its answer.
fn serve(
    mut request: tiny_http::Request,
    page: &PageSource,
    calls: &mpsc::Sender<PendingCall>,
    waker: &Waker,
) {
    let method = match request.method() {
        tiny_http::Method::Get | tiny_http::Method::Head => Method::Get,
        tiny_http::Method::Post => Method::Post,
        tiny_http::Method::Put => Method::Put,
        tiny_http::Method::Delete => Method::Delete,
        _ => Method::Other,
    };
    let (path, query) = match request.url().split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (request.url().to_string(), String::new()),
    };
    if method == Method::Get && !path.starts_with("/api/") && !path.starts_with("/view/") {
        let response = if path == "/" {
            let r = tiny_http::Response::from_data(Vec::new()).with_status_code(302);
            let to = match query.as_str() {
                "" => format!("/{}", super::page::LIVE_PAGE),
                q => format!("/{}?{q}", super::page::LIVE_PAGE),
            };
            match tiny_http::Header::from_bytes("Location", to) {
                Ok(h) => r.with_header(h),
                Err(()) => r,
            }
        } else {
            respond(page.file(&path))
        };
        let _ = request.respond(response);
        return;
    }
    let content_type = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Content-Type"))
        .map(|h| h.value.as_str().to_string())
        .unwrap_or_default();
    let limit = match path.trim_end_matches('/').ends_with("/import") {
        true => MAX_IMPORT_BODY,
        false => MAX_BODY,
    };
    let mut body = Vec::new();
    let read = request.as_reader().take(limit + 1).read_to_end(&mut body);
    let response = if read.is_err() {
        error(400, "could not read the request body")
    } else if body.len() as u64 > limit {
        error(413, "request body too large")
    } else {
        let (tx, rx) = mpsc::channel();
        let call = PendingCall {
            call: ApiCall {
                method,
                path,
                query,
                content_type,
                body,
            },
            reply: tx,
        };
        if calls.send(call).is_err() || waker.wake().is_err() {
            error(503, "the bridge is stopping")
        } else {
            rx.recv_timeout(REPLY_TIMEOUT)
                .unwrap_or_else(|_| error(503, "the bridge did not answer"))
        }
    };
    let _ = request.respond(respond(response));
}

fn respond(r: ApiResponse) -> tiny_http::Response<io::Cursor<Vec<u8>>> {
    let mut response = tiny_http::Response::from_data(r.body).with_status_code(r.status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", r.content_type.as_bytes()) {
        response = response.with_header(h);
    }
    response
}

/// A JSON error answer: `{"error": "..."}`.
pub(super) fn error(status: u16, message: &str) -> ApiResponse {
    ApiResponse {
        status,
        content_type: "application/json".into(),
        body: serde_json::json!({ "error": message })
            .to_string()
            .into_bytes(),
    }
}
