//! Tool approvals: the host approves tool definitions; when the server's list changes, the
//! client reports which approved tools changed definition so the host can decide again.

use std::collections::BTreeMap;

use oxmcp_types::Tool;

/// An approved tool whose definition the server changed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolChange {
    /// The tool's name.
    pub name: String,
    /// The definition the host approved.
    pub approved: Tool,
    /// The definition the server lists now.
    pub current: Tool,
}

/// What changed among the approved tools, comparing a new tool list with the approvals.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ToolChanges {
    /// Approved tools listed with another definition (any member, including `_meta` and
    /// members unknown to this revision).
    pub changed: Vec<ToolChange>,
    /// Approved tools no longer listed.
    pub removed: Vec<Tool>,
}

impl ToolChanges {
    /// Whether no approved tool changed or disappeared.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }
}

/// The tool definitions the host approved, by name. Approval is of a definition: a tool
/// whose definition changed is no longer [`is_approved`](Self::is_approved) until the host
/// approves the new one.
///
/// ```
/// use oxmcp_core::client::ToolApprovals;
/// use oxmcp_types::Tool;
///
/// let mut approvals = ToolApprovals::default();
/// let v1 = Tool::without_arguments("deploy").with_description("Deploys to staging");
/// approvals.approve(&v1);
/// let v2 = Tool::without_arguments("deploy").with_description("Deploys to production");
/// assert!(!approvals.is_approved(&v2));
/// let changes = approvals.compare(&[v2.clone()]);
/// assert_eq!(changes.changed[0].approved, v1);
/// assert_eq!(changes.changed[0].current, v2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolApprovals {
    approved: BTreeMap<String, Tool>,
}

impl ToolApprovals {
    /// Approves this definition of the tool (replacing an earlier approval).
    pub fn approve(&mut self, tool: &Tool) {
        self.approved.insert(tool.name.clone(), tool.clone());
    }

    /// Withdraws the approval of the tool `name`, returning the approved definition.
    pub fn revoke(&mut self, name: &str) -> Option<Tool> {
        self.approved.remove(name)
    }

    /// Whether exactly this definition was approved.
    pub fn is_approved(&self, tool: &Tool) -> bool {
        self.approved.get(&tool.name) == Some(tool)
    }

    /// The approved definition of `name`.
    pub fn approved(&self, name: &str) -> Option<&Tool> {
        self.approved.get(name)
    }

    /// The approved definitions, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Tool> {
        self.approved.values()
    }

    /// Compares the server's current tools with the approvals.
    pub fn compare(&self, current: &[Tool]) -> ToolChanges {
        let mut changes = ToolChanges::default();
        for (name, approved) in &self.approved {
            match current.iter().find(|t| &t.name == name) {
                Some(now) if now == approved => {}
                Some(now) => changes.changed.push(ToolChange {
                    name: name.clone(),
                    approved: approved.clone(),
                    current: now.clone(),
                }),
                None => changes.removed.push(approved.clone()),
            }
        }
        changes
    }
}
