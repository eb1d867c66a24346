//! Human output: short tables, text content as it is, structured content pretty-printed,
//! colour only on a terminal without `NO_COLOR`.

use std::io::IsTerminal as _;
use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

/// Bold (and other) styling, when stdout is a terminal and `NO_COLOR` is not set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    color: bool,
}

impl Style {
    pub(crate) fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    pub(crate) fn bold(self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub(crate) fn dim(self, text: &str) -> String {
        if self.color {
            format!("\x1b[2m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The first line of a description, cut to `max` characters.
fn summary(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// `name: type*` for each property of an input schema (`*`: required).
pub(crate) fn signature(schema: &Value) -> String {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return String::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let ty = crate::args::schema_type(p).unwrap_or("any");
            let star = if required.contains(&name.as_str()) {
                "*"
            } else {
                ""
            };
            format!("{name}: {ty}{star}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A two-column table: names padded, then descriptions.
pub(crate) fn table(style: Style, rows: &[(String, String)]) -> String {
    let width = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let mut out = String::new();
    for (name, text) in rows {
        let pad = width.saturating_sub(name.chars().count());
        out.push_str(&format!(
            "{}{}  {}\n",
            style.bold(name),
            " ".repeat(pad),
            summary(text, 100)
        ));
    }
    out
}

/// The rows of a tools list.
pub(crate) fn tool_rows(tools: &[Value]) -> Vec<(String, String)> {
    tools
        .iter()
        .map(|t| {
            let sig = signature(t.get("inputSchema").unwrap_or(&Value::Null));
            let desc = str_of(t, "description");
            (format!("{}({sig})", str_of(t, "name")), desc.to_owned())
        })
        .collect()
}

/// The rows of a resources, templates or prompts list.
pub(crate) fn item_rows(items: &[Value], key: &str) -> Vec<(String, String)> {
    items
        .iter()
        .map(|r| {
            let mut name = str_of(r, key).to_owned();
            if key == "name"
                && let Some(args) = r.get("arguments").and_then(Value::as_array)
            {
                let list: Vec<String> = args
                    .iter()
                    .map(|a| {
                        let star = if a.get("required") == Some(&Value::Bool(true)) {
                            "*"
                        } else {
                            ""
                        };
                        format!("{}{star}", str_of(a, "name"))
                    })
                    .collect();
                name = format!("{name}({})", list.join(", "));
            }
            let title = if key == "name" { "" } else { str_of(r, "name") };
            let label = [title, str_of(r, "description")]
                .into_iter()
                .filter(|s| !s.is_empty() && *s != name)
                .collect::<Vec<_>>()
                .join(" — ");
            (name, label)
        })
        .collect()
}

/// Content blocks (of a tool result or prompt message), as text. Images and audio are
/// saved under `media` when given.
pub(crate) fn content(
    blocks: &[Value],
    media: Option<&Path>,
    style: Style,
) -> Result<String, String> {
    let mut out = String::new();
    for (i, block) in blocks.iter().enumerate() {
        match str_of(block, "type") {
            "text" => out.push_str(str_of(block, "text")),
            kind @ ("image" | "audio") => {
                let mime = str_of(block, "mimeType");
                let data = base64::engine::general_purpose::STANDARD
                    .decode(str_of(block, "data"))
                    .map_err(|e| format!("{kind} content is not base64: {e}"))?;
                let mut line = format!("[{kind} {mime}, {} bytes]", data.len());
                if let Some(dir) = media {
                    let path = dir.join(format!("{kind}-{i}.{}", extension(mime)));
                    std::fs::create_dir_all(dir)
                        .and_then(|()| std::fs::write(&path, &data))
                        .map_err(|e| format!("cannot save {}: {e}", path.display()))?;
                    line = format!("{line} saved to {}", path.display());
                }
                out.push_str(&style.dim(&line));
            }
            "resource_link" => out.push_str(&style.dim(&format!(
                "[link {} {}]",
                str_of(block, "uri"),
                str_of(block, "name")
            ))),
            "resource" => out.push_str(&resource_contents(
                block.get("resource").unwrap_or(&Value::Null),
                style,
            )),
            other => out.push_str(&style.dim(&format!("[{other} content]"))),
        }
        out.push('\n');
    }
    Ok(out)
}

/// One resource's contents: its text, or a summary of its blob.
pub(crate) fn resource_contents(contents: &Value, style: Style) -> String {
    if let Some(text) = contents.get("text").and_then(Value::as_str) {
        return text.to_owned();
    }
    let blob = str_of(contents, "blob");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .map(|b| b.len())
        .unwrap_or(0);
    style.dim(&format!(
        "[blob {} {}, {bytes} bytes]",
        str_of(contents, "uri"),
        str_of(contents, "mimeType")
    ))
}

fn extension(mime: &str) -> &str {
    match mime {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        "audio/wav" | "audio/x-wav" => "wav",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        _ => "bin",
    }
}

/// JSON, pretty.
pub(crate) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PLAIN: Style = Style { color: false };

    #[test]
    fn signatures_and_rows() {
        let tool = json!({"name": "add", "description": "Adds.\nMore.", "inputSchema": {
            "type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}, "c": {}}, "required": ["a"]}});
        assert_eq!(
            tool_rows(&[tool]),
            vec![(
                "add(a: number*, b: number, c: any)".into(),
                "Adds.\nMore.".into()
            )]
        );
        assert_eq!(table(PLAIN, &[("x".into(), "one\ntwo".into())]), "x  one\n");
        let prompt = json!({"name": "greet", "arguments": [{"name": "who", "required": true}, {"name": "tone"}]});
        assert_eq!(item_rows(&[prompt], "name")[0].0, "greet(who*, tone)");
    }

    #[test]
    fn content_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let blocks = vec![
            json!({"type": "text", "text": "hello"}),
            json!({"type": "image", "mimeType": "image/png", "data": "AAEC"}),
            json!({"type": "resource", "resource": {"uri": "x:y", "text": "inside"}}),
        ];
        let text = content(&blocks, Some(dir.path()), PLAIN).unwrap();
        assert!(
            text.starts_with("hello\n[image image/png, 3 bytes] saved to "),
            "{text}"
        );
        assert!(text.ends_with("inside\n"));
        assert_eq!(
            std::fs::read(dir.path().join("image-1.png")).unwrap(),
            [0, 1, 2]
        );
        assert!(content(&[json!({"type": "image", "data": "!!"})], None, PLAIN).is_err());
    }

    #[test]
    fn long_lines_are_cut() {
        assert_eq!(summary(&"x".repeat(10), 5), "xxxx…");
    }
}
