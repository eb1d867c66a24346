//! The tool_use / tool_result balance rules of `sampling/createMessage` (2025-11-25).

use std::collections::BTreeSet;

use oxmcp_types::sampling::SamplingMessage;
use oxmcp_types::{ErrorData, Role, SamplingMessageContentBlock};

/// A sampling conversation that breaks the tool-use rules of the spec. Messages are
/// numbered from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ToolBalanceError {
    /// A message with `tool_result` blocks also has other blocks.
    #[error("message {message} mixes tool_result blocks with other content")]
    MixedContent {
        /// The offending message.
        message: usize,
    },
    /// Tool uses of an assistant message are not all answered by the next message.
    #[error("tool result missing for the tool use(s) {tool_use_ids:?} of message {message}")]
    ToolResultMissing {
        /// The assistant message with the tool uses.
        message: usize,
        /// The unanswered ids.
        tool_use_ids: Vec<String>,
    },
    /// A `tool_result` answers no tool use of the message just before it.
    #[error(
        "message {message} has a tool_result for `{tool_use_id}`, which the previous message did not use"
    )]
    UnexpectedToolResult {
        /// The message with the result.
        message: usize,
        /// Its `toolUseId`.
        tool_use_id: String,
    },
    /// Two tool uses (or two results) of one message share an id.
    #[error("message {message} repeats the tool use id `{tool_use_id}`")]
    DuplicateToolUseId {
        /// The message.
        message: usize,
        /// The repeated id.
        tool_use_id: String,
    },
    /// `tool_use` blocks outside an assistant message, or `tool_result` blocks outside a
    /// user message.
    #[error("message {message} has {block} blocks but its role is `{role:?}`")]
    WrongRole {
        /// The message.
        message: usize,
        /// `tool_use` or `tool_result`.
        block: &'static str,
        /// Its role.
        role: Role,
    },
}

impl From<ToolBalanceError> for ErrorData {
    /// The -32602 error the spec asks for.
    fn from(e: ToolBalanceError) -> Self {
        Self::invalid_params(e.to_string())
    }
}

/// The tool uses and results of one message.
struct Blocks<'a> {
    uses: Vec<&'a str>,
    results: Vec<&'a str>,
    total: usize,
}

fn blocks(message: &SamplingMessage) -> Blocks<'_> {
    let all = message.content.blocks();
    let mut out = Blocks {
        uses: Vec::new(),
        results: Vec::new(),
        total: all.len(),
    };
    for block in all {
        match block {
            SamplingMessageContentBlock::ToolUse(u) => out.uses.push(&u.id),
            SamplingMessageContentBlock::ToolResult(r) => out.results.push(&r.tool_use_id),
            _ => {}
        }
    }
    out
}

/// Checks the rules of the spec for tool use in a sampling conversation:
///
/// - a message with `tool_result` blocks contains only `tool_result` blocks, and is a user
///   message; `tool_use` blocks appear only in assistant messages;
/// - every assistant message with `tool_use` blocks is followed directly by a user message
///   answering each of its ids, and nothing else;
/// - ids are not repeated within a message.
///
/// ```
/// use oxmcp_core::validate::{check_tool_balance, ToolBalanceError};
/// use oxmcp_types::sampling::SamplingMessage;
/// use oxmcp_types::{Role, SamplingMessageContentBlock, ToolUseContent};
///
/// let call = SamplingMessage::new(
///     Role::Assistant,
///     SamplingMessageContentBlock::from(ToolUseContent::new("c1", "weather", Default::default())),
/// );
/// let history = [SamplingMessage::user_text("weather?"), call, SamplingMessage::user_text("well?")];
/// assert!(matches!(
///     check_tool_balance(&history),
///     Err(ToolBalanceError::ToolResultMissing { message: 1, .. })
/// ));
/// ```
pub fn check_tool_balance(messages: &[SamplingMessage]) -> Result<(), ToolBalanceError> {
    // The assistant message whose tool uses the next message must answer.
    let mut open: Option<(usize, Vec<&str>)> = None;
    for (i, message) in messages.iter().enumerate() {
        let b = blocks(message);
        check_message(i, message.role, &b)?;
        if let Some((at, ids)) = open.take() {
            check_answer(at, &ids, i, &b)?;
            continue;
        }
        if let Some(first) = b.results.first() {
            return Err(ToolBalanceError::UnexpectedToolResult {
                message: i,
                tool_use_id: (*first).to_owned(),
            });
        }
        if !b.uses.is_empty() {
            open = Some((i, b.uses));
        }
    }
    match open {
        Some((message, ids)) => Err(ToolBalanceError::ToolResultMissing {
            message,
            tool_use_ids: ids.into_iter().map(str::to_owned).collect(),
        }),
        None => Ok(()),
    }
}

/// The rules that concern one message alone.
fn check_message(i: usize, role: Role, b: &Blocks<'_>) -> Result<(), ToolBalanceError> {
    if !b.results.is_empty() && b.results.len() != b.total {
        return Err(ToolBalanceError::MixedContent { message: i });
    }
    let wrong_role = |block| ToolBalanceError::WrongRole {
        message: i,
        block,
        role,
    };
    if !b.uses.is_empty() && role != Role::Assistant {
        return Err(wrong_role("tool_use"));
    }
    if !b.results.is_empty() && role != Role::User {
        return Err(wrong_role("tool_result"));
    }
    for ids in [&b.uses, &b.results] {
        let mut seen = BTreeSet::new();
        if let Some(dup) = ids.iter().find(|id| !seen.insert(**id)) {
            return Err(ToolBalanceError::DuplicateToolUseId {
                message: i,
                tool_use_id: (*dup).to_owned(),
            });
        }
    }
    Ok(())
}

/// Message `i` must answer exactly the tool uses `ids` of message `at`.
fn check_answer(at: usize, ids: &[&str], i: usize, b: &Blocks<'_>) -> Result<(), ToolBalanceError> {
    if let Some(extra) = b.results.iter().find(|r| !ids.contains(r)) {
        return Err(ToolBalanceError::UnexpectedToolResult {
            message: i,
            tool_use_id: (*extra).to_owned(),
        });
    }
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !b.results.contains(id))
        .map(|id| (*id).to_owned())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ToolBalanceError::ToolResultMissing {
            message: at,
            tool_use_ids: missing,
        })
    }
}
