//! `WWW-Authenticate` parsing (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9728 §5.1).
//!
//! A header may hold several challenges (`Basic realm="x", Bearer scope="a b"`), parameters
//! may be tokens or quoted strings with escapes, names are case-insensitive, and a server
//! may send several header lines. Only the `Bearer` challenge is kept.

use std::collections::HashMap;

/// The parameters of a `Bearer` challenge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BearerChallenge {
    /// Every parameter, names lowercased.
    pub params: HashMap<String, String>,
}

impl BearerChallenge {
    /// `resource_metadata` (RFC 9728).
    pub fn resource_metadata(&self) -> Option<&str> {
        self.get("resource_metadata")
    }

    /// `scope`, split on spaces.
    pub fn scopes(&self) -> Option<Vec<String>> {
        self.get("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
    }

    /// `error` (`invalid_token`, `insufficient_scope`, ...).
    pub fn error(&self) -> Option<&str> {
        self.get("error")
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The `Bearer` challenge among the header values, if there is one.
pub fn parse_bearer(values: &[String]) -> Option<BearerChallenge> {
    values
        .iter()
        .flat_map(|v| parse_challenges(v))
        .find(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, params)| BearerChallenge { params })
}

type Challenge = (String, HashMap<String, String>);

/// Every challenge of one header value.
fn parse_challenges(value: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let mut p = Parser {
        s: value.as_bytes(),
        i: 0,
    };
    loop {
        p.skip(|c| c == b' ' || c == b'\t' || c == b',');
        let Some(word) = p.token() else { break };
        p.skip(|c| c == b' ' || c == b'\t');
        if p.peek() == Some(b'=') && !p.is_token68_end() {
            // A parameter of the current challenge.
            p.i += 1;
            p.skip(|c| c == b' ' || c == b'\t');
            let value = p.value();
            if let Some((_, params)) = out.last_mut() {
                params.entry(word.to_ascii_lowercase()).or_insert(value);
            }
        } else {
            // A new scheme; a token68 may follow (ignored).
            out.push((word, HashMap::new()));
            let save = p.i;
            if p.token68().is_some() {
                p.skip(|c| c == b' ' || c == b'\t');
                if !matches!(p.peek(), None | Some(b',')) {
                    p.i = save;
                }
            }
        }
    }
    out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip(&mut self, f: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        self.skip(is_tchar);
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// Whether the `=` at the cursor ends a token68 (`abc==`), not a parameter.
    fn is_token68_end(&self) -> bool {
        let mut j = self.i;
        while self.s.get(j) == Some(&b'=') {
            j += 1;
        }
        let mut k = j;
        while matches!(self.s.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        j - self.i > 1 || matches!(self.s.get(k), None | Some(b','))
    }

    fn token68(&mut self) -> Option<String> {
        let start = self.i;
        self.skip(|c| c.is_ascii_alphanumeric() || b"-._~+/".contains(&c));
        self.skip(|c| c == b'=');
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// A token or a quoted string (with `\` escapes).
    fn value(&mut self) -> String {
        if self.peek() != Some(b'"') {
            return self.token().unwrap_or_default();
        }
        self.i += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    if let Some(next) = self.peek() {
                        out.push(next);
                        self.i += 1;
                    }
                }
                _ => out.push(c),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(v: &str) -> BearerChallenge {
        parse_bearer(&[v.to_owned()]).expect("a Bearer challenge")
    }

    #[test]
    fn the_spec_example() {
        let c = bearer(
            r#"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="files:read""#,
        );
        assert_eq!(
            c.resource_metadata(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource")
        );
        assert_eq!(c.scopes(), Some(vec!["files:read".to_owned()]));
        assert_eq!(c.error(), None);
    }

    #[test]
    fn odd_but_legal_syntax() {
        // Case-insensitive scheme and names, tokens, escapes, extra commas and spaces,
        // another scheme first (with a token68), several values.
        let c = parse_bearer(&[
            "Basic YWxhZGRpbjpvcGVuc2VzYW1l==, ".to_owned(),
            r#"Negotiate, bEaReR   realm = "a \"q\" b" ,, Error=insufficient_scope ,SCOPE="a  b c""#
                .to_owned(),
        ])
        .unwrap();
        assert_eq!(c.params["realm"], r#"a "q" b"#);
        assert_eq!(c.error(), Some("insufficient_scope"));
        assert_eq!(c.scopes().unwrap(), vec!["a", "b", "c"]);
    }

    #[test]
    fn a_parameterless_bearer_and_no_bearer() {
        assert_eq!(bearer("Bearer").params.len(), 0);
        assert!(parse_bearer(&["Basic realm=\"x\"".to_owned()]).is_none());
        assert!(parse_bearer(&[String::new()]).is_none());
        // Garbage never panics.
        for junk in [
            "=",
            "\"",
            "Bearer =",
            "Bearer a=\"unterminated",
            ",,,=,",
            "Bearer a==, b",
        ] {
            let _ = parse_bearer(&[junk.to_owned()]);
        }
    }

    #[test]
    fn parameters_of_a_later_scheme_are_not_mixed_in() {
        let c = bearer(r#"Bearer scope="x", DPoP algs="ES256""#);
        assert!(!c.params.contains_key("algs"));
        assert_eq!(c.scopes().unwrap(), vec!["x"]);
    }
}
