//! The tool name rule of the spec (SEP-986 as published in 2025-11-25): 1 to 128 characters
//! from `A-Z a-z 0-9 _ - .`, case-sensitive.

use super::ToolRegistrationError;

/// The longest tool name the spec recommends.
pub const MAX_TOOL_NAME_LEN: usize = 128;

/// How a tool name breaks the spec's rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ToolNameError {
    /// The name is empty.
    #[error("the name is empty")]
    Empty,
    /// The name is longer than 128 characters.
    #[error("the name has {0} characters; at most 128 are allowed")]
    TooLong(usize),
    /// The name contains a character outside `A-Z a-z 0-9 _ - .`.
    #[error("the character {character:?} at index {index} is not one of A-Z a-z 0-9 _ - .")]
    InvalidCharacter {
        /// The character.
        character: char,
        /// Its index in characters.
        index: usize,
    },
}

/// Checks `name` against `^[A-Za-z0-9_.-]{1,128}$`.
///
/// ```
/// use oxmcp_core::server::tools::{ToolNameError, check_tool_name};
/// assert!(check_tool_name("admin.tools.list").is_ok());
/// assert_eq!(check_tool_name(""), Err(ToolNameError::Empty));
/// assert!(matches!(check_tool_name("get user"), Err(ToolNameError::InvalidCharacter { character: ' ', index: 3 })));
/// ```
pub fn check_tool_name(name: &str) -> Result<(), ToolNameError> {
    if name.is_empty() {
        return Err(ToolNameError::Empty);
    }
    let mut count = 0;
    for (index, character) in name.chars().enumerate() {
        if !(character.is_ascii_alphanumeric() || matches!(character, '_' | '-' | '.')) {
            return Err(ToolNameError::InvalidCharacter { character, index });
        }
        count += 1;
    }
    if count > MAX_TOOL_NAME_LEN {
        return Err(ToolNameError::TooLong(count));
    }
    Ok(())
}

/// What registration does with a name that breaks the spec's rule. The rule is a SHOULD, so
/// the default only warns (through `tracing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ToolNamePolicy {
    /// Register the tool and log a warning.
    #[default]
    Warn,
    /// Refuse the tool with [`ToolRegistrationError::InvalidName`].
    Refuse,
}

impl ToolNamePolicy {
    pub(crate) fn apply(self, name: &str) -> Result<(), ToolRegistrationError> {
        let Err(reason) = check_tool_name(name) else {
            return Ok(());
        };
        match self {
            Self::Warn => {
                tracing::warn!(tool = name, %reason, "tool name breaks the MCP naming rule");
                Ok(())
            }
            Self::Refuse => Err(ToolRegistrationError::InvalidName {
                name: name.to_owned(),
                reason,
            }),
        }
    }
}
