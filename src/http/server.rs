//! The accept loop: the only code that sees sockets, connections and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Either;
use http_body_util::Full;
use hyper::body::{Frame, Incoming};
use hyper::header::{CONNECTION, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::ApiError;
use crate::faults::Delivery;
use crate::http::admin;
use crate::http::dispatch::{decorated, respond_in};
use crate::http::dribble::Dribble;
use crate::http::head_deadline::{Answering, HeadDeadline};
use crate::http::head_error::{MAX_HEAD_BYTES, ProblemIo};
use crate::http::proxy;
use crate::http::reply::{Reply, SEQ, VERDICT};
use crate::http::request::RecordedRequest;
use crate::http::state::AppState;
use crate::journal::exchange::Origin;
use crate::journal::stream::EventStream;

/// How long open connections get to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running server. Dropping it stops the server; [`ServerHandle::shutdown`] stops it and
/// waits for open exchanges to finish.
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Binds `addr` (port 0 picks a free port) and serves `state` on it. The port accepts
    /// connections when this returns.
    pub async fn start(addr: impl ToSocketAddrs, state: Arc<AppState>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state, async {
            // A dropped sender stops the server as surely as a sent value.
            let _ = stopped.await;
        }));
        Ok(Self {
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, the base URL clients use.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets open exchanges finish (up to a grace period), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves connections from `listener` until `shutdown` completes.
async fn serve(listener: TcpListener, state: Arc<AppState>, shutdown: impl Future<Output = ()>) {
    let mut builder = http1::Builder::new();
    // No hyper timer: the head deadline is kept per connection (`head_deadline`).
    // The buffer bound alone lets a head that arrives in one read through at up to twice
    // the limit (a read fills whatever the buffer has room for); the head bound is exact.
    builder.max_buf_size(MAX_HEAD_BYTES);
    builder.max_header_size(MAX_HEAD_BYTES);
    let graceful = GracefulShutdown::new();
    let open = Arc::new(AtomicUsize::new(0));
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(_) => {
                        // Out of file descriptors or a reset before accept: back off briefly.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                if open.load(Ordering::Relaxed) >= state.limits.max_connections {
                    tokio::spawn(refuse(stream, state.limits.max_connections));
                    continue;
                }
                let counted = OpenConnection::new(&open);
                let deadline = Arc::new(HeadDeadline::new(state.limits.header_timeout));
                let service = {
                    let (state, deadline) = (Arc::clone(&state), Arc::clone(&deadline));
                    service_fn(move |request| {
                        handle(Arc::clone(&state), Arc::clone(&deadline), request)
                    })
                };
                let io = ProblemIo::new(TokioIo::new(stream));
                let connection = graceful.watch(builder.serve_connection(io, service));
                tokio::spawn(async move {
                    deadline.guard(connection).await;
                    drop(counted);
                });
            }
            () = shutdown.as_mut() => break,
        }
    }
    drop(listener);
    // Streams, hangs and injected delays would hold their connections open for the whole
    // grace period.
    state.workspaces.close_streams();
    state.stop();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
    }
}

/// One open connection, counted while it lives.
struct OpenConnection(Arc<AtomicUsize>);

impl OpenConnection {
    fn new(open: &Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(open))
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Answers a connection over `--max-connections` with a 503 problem and closes it, so that
/// a client sees why instead of a reset.
async fn refuse(mut stream: TcpStream, limit: usize) {
    let answer = Reply::refusal(ApiError::TooManyConnections { limit })
        .header(RETRY_AFTER, HeaderValue::from_static("1"))
        .header(CONNECTION, HeaderValue::from_static("close"))
        .to_http1();
    let _ = stream.write_all(&answer).await;
    let _ = stream.shutdown().await;
}

/// A response body: whole, the events of a stream that stays open, or dribbled (D30).
type Answer = Either<Full<Bytes>, Either<Held<EventStream>, Held<Dribble>>>;

/// What the service answers for an injected reset or hang: hyper then closes the
/// connection without writing a response.
#[derive(Debug, thiserror::Error)]
#[error("no answer: a fault closed the connection")]
struct NoAnswer;

/// A body sent over time (a stream, a dribble), with the connection marked as answering
/// while it lasts: else the head deadline would take it for an idle connection and close
/// it mid-body.
struct Held<B> {
    body: B,
    _answering: Answering,
}

impl<B> hyper::body::Body for Held<B>
where
    B: hyper::body::Body<Data = Bytes, Error = Infallible> + Unpin,
{
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// One exchange: read, dispatch, decorate, delay and record (API routes only), then
/// answer as the faults drawn for it say (D30).
async fn handle(
    state: Arc<AppState>,
    deadline: Arc<HeadDeadline>,
    request: Request<Incoming>,
) -> Result<Response<Answer>, NoAnswer> {
    // Owned, so that a stream's body can keep it: the connection answers while it lasts.
    let answering = deadline.answering();
    let started = Instant::now();
    let workspace = state.workspaces.for_headers(request.headers());
    let request = RecordedRequest::from_hyper(request, state.max_body, workspace.clock.now()).await;
    if let Some(Ok((head, events))) = admin::event_stream(&state, &request) {
        let head = AppState::dated(&workspace, decorated(head, &request).into_response());
        let body = Held {
            body: events,
            _answering: answering,
        };
        return Ok(head.map(|_| Either::Right(Either::Left(body))));
    }
    let is_admin = admin::is_admin(&request.path);
    let mut reply = match &state.upstream {
        Some(upstream) if !is_admin => match proxy::step(&state, &workspace, &request) {
            proxy::Step::Forward(outgoing) => {
                // Boxed: the send's state would otherwise enlarge every request's future.
                let answered = Box::pin(upstream.send(outgoing)).await;
                proxy::answer(&state, &workspace, &request, answered)
            }
            proxy::Step::Answer(reply) => reply,
        },
        _ => respond_in(&state, &workspace, &request),
    };
    if is_admin {
        return Ok(AppState::dated(&workspace, reply.into_response()).map(Either::Left));
    }
    let seq = reply.seq.unwrap_or_else(|| workspace.sequence.next());
    reply.seq = Some(seq);
    // The upstream's answers take the time they took (D31).
    if let Some(latency) = state.latency.filter(|_| reply.origin == Origin::Mock) {
        tokio::time::sleep(latency.delay(seq)).await;
    }
    let (delay, delivery) = reply
        .effect
        .as_ref()
        .map_or((Duration::ZERO, Delivery::Whole), |effect| {
            (effect.delay, effect.delivery)
        });
    if !delay.is_zero() {
        state.until_stopped(tokio::time::sleep(delay)).await;
    }
    let (ticket, verdict) = state.record_in(&workspace, request, &mut reply, started.elapsed());
    // After recording: the journal keeps the headers of the exchange, not these two,
    // which restate what it records as `seq` and `verdict`.
    let mut response = AppState::dated(&workspace, reply.into_response());
    let headers = response.headers_mut();
    headers.insert(VERDICT, HeaderValue::from_static(verdict.name()));
    headers.insert(SEQ, HeaderValue::from(seq));
    if let Some(ticket) = ticket {
        ticket.written().await;
    }
    match delivery {
        Delivery::Whole => Ok(response.map(Either::Left)),
        Delivery::Dribble { chunk_bytes, over } => Ok(response.map(|body| {
            let whole = body.into_inner().unwrap_or_default();
            Either::Right(Either::Right(Held {
                body: Dribble::new(whole, chunk_bytes, over, state.stopping()),
                _answering: answering,
            }))
        })),
        Delivery::Reset => Err(NoAnswer),
        Delivery::Hang(time) => {
            state.until_stopped(tokio::time::sleep(time)).await;
            Err(NoAnswer)
        }
    }
}
