//! A pooled session's request, run in the task of its POST (see
//! [`Transport::runs_requests_inline`](oxmcp_core::transport::Transport::runs_requests_inline)).

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use oxmcp_core::transport::{Frame, TransportError};
use tokio::sync::oneshot;

use super::Session;
use super::streamable::Answer;

impl Session {
    /// Hands `frame`, one request, to the engine, which runs its handler in this task, and
    /// waits for the request's first message on `answer`.
    ///
    /// The handler is polled first: one that answers at once has answered before `answer`
    /// is looked at, with no wake-up in between, and its answer comes straight back from
    /// the engine when nothing of the session waited to be written ([`take_answer`]). When
    /// `answer` comes first (a message related to the request came before its result, so
    /// the answer is a stream), what is left of the handler's run goes on in a task of its
    /// own, which routes an answer handed back to it as the writer would.
    ///
    /// [`take_answer`]: Session::take_answer
    pub(crate) async fn forward_inline(
        self: &Arc<Self>,
        frame: Frame,
        answer: oneshot::Receiver<Answer>,
    ) -> Result<Result<Answer, oneshot::error::RecvError>, TransportError> {
        let mut work = self.push_for_answer(frame)?;
        let mut answer = answer;
        let first = poll_fn(|cx| {
            if let Poll::Ready(done) = work.as_mut().poll(cx) {
                return Poll::Ready(Err(done));
            }
            Pin::new(&mut answer).poll(cx).map(Ok)
        })
        .await;
        match first {
            Err(done) => {
                if let Some(out) = done?
                    && let Some(bytes) = self.take_answer(out).await
                {
                    return Ok(Ok(Answer::Json(bytes)));
                }
                Ok(answer.await)
            }
            Ok(first) => {
                // The engine tracks the run: the session's end still waits for it.
                let session = self.clone();
                tokio::spawn(async move {
                    if let Ok(Some(out)) = work.await {
                        session.route(out).await;
                    }
                });
                Ok(first)
            }
        }
    }
}
