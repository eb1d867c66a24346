//! Server names from hosts' config files: Claude Desktop (`claude_desktop_config.json`,
//! `mcpServers`), Cursor (`mcp.json`, `mcpServers`) and VS Code (`.vscode/mcp.json`,
//! `servers`), found in their usual places or given with `--config`.
//!
//! Files are searched in order: `--config` files, then the project's (`.vscode/mcp.json`,
//! `.cursor/mcp.json` in the current directory), then the user's (Cursor, VS Code, Claude
//! Desktop); the first file naming the server wins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::jsonc;

/// How a named server is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServerEntry {
    /// A program to run, speaking stdio.
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        cwd: Option<PathBuf>,
    },
    /// An HTTP endpoint.
    Http {
        url: String,
        headers: BTreeMap<String, String>,
    },
}

/// A server found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) name: String,
    pub(crate) file: PathBuf,
    pub(crate) entry: ServerEntry,
}

/// Where to look: the places depend on the directories below.
#[derive(Debug, Clone)]
pub(crate) struct Places {
    pub(crate) explicit: Vec<PathBuf>,
    pub(crate) cwd: PathBuf,
    pub(crate) home: Option<PathBuf>,
    /// `%APPDATA%` on Windows; `$XDG_CONFIG_HOME` (or `~/.config`) elsewhere.
    pub(crate) config_dir: Option<PathBuf>,
}

impl Places {
    /// The places of this process (`--config` files first).
    pub(crate) fn from_env(explicit: Vec<PathBuf>) -> Self {
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from);
        let config_dir = if cfg!(windows) {
            std::env::var_os("APPDATA").map(PathBuf::from)
        } else {
            std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".config")))
        };
        Self {
            explicit,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            home,
            config_dir,
        }
    }

    /// Every file to try, in order (existing or not).
    pub(crate) fn files(&self) -> Vec<PathBuf> {
        let mut files = self.explicit.clone();
        files.push(self.cwd.join(".vscode").join("mcp.json"));
        files.push(self.cwd.join(".cursor").join("mcp.json"));
        if let Some(home) = &self.home {
            files.push(home.join(".cursor").join("mcp.json"));
        }
        if let Some(dir) = &self.config_dir {
            files.push(dir.join("Code").join("User").join("mcp.json"));
            files.push(dir.join("Claude").join("claude_desktop_config.json"));
        }
        if cfg!(target_os = "macos")
            && let Some(home) = &self.home
        {
            let support = home.join("Library").join("Application Support");
            files.push(support.join("Code").join("User").join("mcp.json"));
            files.push(support.join("Claude").join("claude_desktop_config.json"));
        }
        files
    }
}

/// Every server of every file that exists. A `--config` file that is missing or broken is
/// an error; a broken file found by discovery is skipped (with a warning on stderr).
pub(crate) fn discover(places: &Places) -> Result<Vec<Found>, String> {
    let mut all = Vec::new();
    for (i, file) in places.files().into_iter().enumerate() {
        let explicit = i < places.explicit.len();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) if !explicit => {
                eprintln!("oxmcp: warning: skipping {}: {e}", file.display());
                continue;
            }
            Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
        };
        match parse_file(&text, &file, &places.cwd) {
            Ok(found) => all.extend(found),
            Err(e) if explicit => return Err(e),
            Err(e) => eprintln!("oxmcp: warning: skipping {e}"),
        }
    }
    Ok(all)
}

/// The first server called `name`.
pub(crate) fn find(places: &Places, name: &str) -> Result<Found, String> {
    let all = discover(places)?;
    if let Some(found) = all.iter().find(|f| f.name == name) {
        return Ok(found.clone());
    }
    let known: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
    Err(if known.is_empty() {
        format!(
            "`{name}` is not a URL, and no host config file names servers (give one with --config, or run a stdio server after `--`)"
        )
    } else {
        format!(
            "no server called `{name}` in the host config files (known: {})",
            known.join(", ")
        )
    })
}

/// The servers of one file (`mcpServers` or `servers`).
pub(crate) fn parse_file(text: &str, file: &Path, cwd: &Path) -> Result<Vec<Found>, String> {
    let doc: Value = serde_json::from_str(&jsonc::strip(text))
        .map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
    let servers = doc
        .get("mcpServers")
        .or_else(|| doc.get("servers"))
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{} has no `mcpServers` or `servers` object", file.display()))?;
    let mut found = Vec::new();
    for (name, spec) in servers {
        let entry = parse_entry(spec, cwd)
            .map_err(|e| format!("{}: server `{name}`: {e}", file.display()))?;
        found.push(Found {
            name: name.clone(),
            file: file.to_owned(),
            entry,
        });
    }
    Ok(found)
}

fn parse_entry(spec: &Value, cwd: &Path) -> Result<ServerEntry, String> {
    let kind = spec.get("type").and_then(Value::as_str);
    let url = spec.get("url").or_else(|| spec.get("serverUrl"));
    if let Some(url) = url {
        if matches!(kind, Some("stdio")) {
            return Err("`type` is stdio but a `url` is given".into());
        }
        let url = url.as_str().ok_or("`url` is not a string")?;
        return Ok(ServerEntry::Http {
            url: expand(url, cwd)?,
            headers: string_map(spec.get("headers"), "headers", cwd)?,
        });
    }
    let command = spec
        .get("command")
        .and_then(Value::as_str)
        .ok_or("neither `command` nor `url` is given")?;
    let args = match spec.get("args") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|a| {
                let a = a.as_str().ok_or("`args` holds a non-string")?;
                expand(a, cwd)
            })
            .collect::<Result<_, String>>()?,
        Some(_) => return Err("`args` is not an array".into()),
    };
    let dir = spec.get("cwd").and_then(Value::as_str);
    Ok(ServerEntry::Stdio {
        command: expand(command, cwd)?,
        args,
        env: string_map(spec.get("env"), "env", cwd)?,
        cwd: dir.map(|d| expand(d, cwd).map(PathBuf::from)).transpose()?,
    })
}

fn string_map(
    value: Option<&Value>,
    what: &str,
    cwd: &Path,
) -> Result<BTreeMap<String, String>, String> {
    let Some(value) = value else {
        return Ok(BTreeMap::new());
    };
    let object = value
        .as_object()
        .ok_or(format!("`{what}` is not an object"))?;
    object
        .iter()
        .map(|(k, v)| {
            let v = v.as_str().ok_or(format!("`{what}.{k}` is not a string"))?;
            Ok((k.clone(), expand(v, cwd)?))
        })
        .collect()
}

/// Expands VS Code's `${env:NAME}`, `${workspaceFolder}` and `${userHome}`; refuses
/// `${input:...}` (prompted inputs), which only the editor can answer.
pub(crate) fn expand(text: &str, cwd: &Path) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated `${{` in `{text}`"))?;
        let var = &after[..end];
        if let Some(name) = var.strip_prefix("env:") {
            out.push_str(&std::env::var(name).unwrap_or_default());
        } else if var == "workspaceFolder" {
            out.push_str(&cwd.to_string_lossy());
        } else if var == "userHome" {
            let home = std::env::var("HOME").map_err(|_| "`${userHome}` needs HOME".to_owned())?;
            out.push_str(&home);
        } else if var.starts_with("input:") {
            return Err(format!(
                "`${{{var}}}` is an editor prompt; give the value with --env or --header instead"
            ));
        } else {
            return Err(format!("unknown variable `${{{var}}}`"));
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests;
