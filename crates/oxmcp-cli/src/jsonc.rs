//! JSON with comments and trailing commas (VS Code's `mcp.json` allows both), made JSON.

/// Removes `//` and `/* */` comments outside strings, and commas right before `}` or `]`.
/// Positions of everything else are kept (comments become spaces), so parse errors point
/// at the right line.
pub(crate) fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 1;
            } else if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match (c, chars.get(i + 1)) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(' ');
                    i += 1;
                }
                continue;
            }
            ('/', Some('*')) => {
                let mut j = i + 2;
                while j < chars.len() && !(chars[j] == '*' && chars.get(j + 1) == Some(&'/')) {
                    j += 1;
                }
                let end = (j + 2).min(chars.len());
                out.extend(
                    chars[i..end]
                        .iter()
                        .map(|&c| if c == '\n' { '\n' } else { ' ' }),
                );
                i = end;
                continue;
            }
            (',', _) if closes_next(&chars, i + 1) => out.push(' '),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Whether the next meaningful character from `i` closes an object or array (comments
/// skipped).
fn closes_next(chars: &[char], mut i: usize) -> bool {
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            (c, _) if c.is_whitespace() => i += 1,
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            }
            (c, _) => return c == '}' || c == ']',
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::strip;

    fn parse(text: &str) -> serde_json::Value {
        serde_json::from_str(&strip(text)).unwrap()
    }

    #[test]
    fn comments_and_trailing_commas_go_strings_stay() {
        let v = parse(
            r#"{
  // a server
  "servers": { /* inline */ "a": { "url": "https://x/y//z", "args": ["/*not*/", "a,]"], }, },
}"#,
        );
        assert_eq!(v["servers"]["a"]["url"], "https://x/y//z");
        assert_eq!(v["servers"]["a"]["args"][0], "/*not*/");
        assert_eq!(v["servers"]["a"]["args"][1], "a,]");
        assert_eq!(
            parse(
                r#"["a\"//", 1 , // c
 ]"#
            ),
            serde_json::json!(["a\"//", 1])
        );
    }

    #[test]
    fn unterminated_comments_do_not_hang() {
        assert!(serde_json::from_str::<serde_json::Value>(&strip("{ /* open")).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&strip("[1, // x")).is_err());
    }
}
