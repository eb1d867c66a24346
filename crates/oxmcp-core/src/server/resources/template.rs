//! RFC 6570 URI templates, matched against URIs in one left-to-right pass.
//!
//! Supported: every operator of levels 1 to 3 and the level-4 modifiers where they can be
//! matched without ambiguity:
//!
//! | Template | Matches | Variables |
//! |---|---|---|
//! | `users/{id}` | `users/42` | `id = "42"` |
//! | `files/{+path}` | `files/a/b.txt` | `path = "a/b.txt"` (reserved: `/`, `?` ... allowed) |
//! | `doc{#section}` | `doc#intro` | `section = "intro"` |
//! | `{name}{.ext}` | `report.pdf` | `name = "report"`, `ext = "pdf"` |
//! | `repo{/owner,name}` | `repo/rust-lang/rust` | `owner`, `name` |
//! | `tree{/path*}` | `tree/a/b/c` | `path = "a/b/c"` |
//! | `map{;x,y}` | `map;x=1;y=2` | `x`, `y` |
//! | `search{?q,lang}` | `search?lang=en&q=rust` | `q`, `lang` (any order) |
//! | `list?page=1{&size}` | `list?page=1&size=10` | `size` |
//! | `{code:3}` | `abc` | `code` (at most 3 characters) |
//!
//! Rules of the matcher:
//! - An expression extends lazily to the first occurrence of what follows it: the next
//!   literal, or the next expression's operator character. A literal that ends the template
//!   must end the URI. Two expressions may only touch when the second starts with an
//!   operator character (`/ . ; ? & #`); `{a}{b}` is refused when parsing.
//! - Values of `{var}`, `{.var}`, `{/var}`, `{;var}`, `{?var}`, `{&var}` may contain only
//!   unreserved characters and percent-escapes (they are percent-decoded and must be UTF-8);
//!   values of `{+var}` and `{#var}` may contain anything and are returned as they are.
//! - Expressions in path position (`{var}`, `{+var}`, `{.var}`, `{/var}`) must match at least
//!   one character; `{;..}`, `{?..}`, `{&..}` and `{#..}` may be absent, and so may each of
//!   their variables. Query parameters not named by the template make the match fail.
//! - The explode modifier `*` is supported on the last variable of `{var*}`, `{+var*}`,
//!   `{.var*}` and `{/var*}` (the value keeps its separators); elsewhere it is refused.
//!
//! Matching is O(length of the URI + length of the template): every step moves forward and
//! nothing is retried, so a hostile URI cannot make it slow. The tests count the bytes the
//! matcher looks at and bound them by a multiple of the URI's length.

use std::collections::BTreeMap;
use std::fmt;

use scan::Scan;

mod scan;

/// Variables bound by a successful match, by name.
pub type UriVariables = BTreeMap<String, String>;

/// Why a URI template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriTemplateError {
    /// A `{` without its `}`, or a `}` without its `{`.
    #[error("unbalanced brace at byte {0}")]
    UnbalancedBrace(usize),
    /// `{}` or an expression with an empty variable name.
    #[error("empty expression or variable name at byte {0}")]
    EmptyVariable(usize),
    /// A variable name with a character outside `A-Z a-z 0-9 _ . %`.
    #[error("invalid variable name `{0}`")]
    InvalidVariable(String),
    /// An operator reserved by RFC 6570 for future use (`= , ! @ |`).
    #[error("unsupported operator `{0}`")]
    UnsupportedOperator(char),
    /// A modifier this matcher cannot match unambiguously, or a malformed prefix length.
    #[error("unsupported modifier on variable `{0}`")]
    UnsupportedModifier(String),
    /// Two expressions touch and the second has no operator character to end the first.
    #[error("expressions at byte {0} need a literal or an operator character between them")]
    AdjacentExpressions(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Simple,
    Reserved,
    Fragment,
    Label,
    Path,
    PathParam,
    Query,
    QueryContinuation,
}

impl Operator {
    fn parse(c: char) -> Result<Option<Self>, UriTemplateError> {
        Ok(Some(match c {
            '+' => Self::Reserved,
            '#' => Self::Fragment,
            '.' => Self::Label,
            '/' => Self::Path,
            ';' => Self::PathParam,
            '?' => Self::Query,
            '&' => Self::QueryContinuation,
            '=' | ',' | '!' | '@' | '|' => return Err(UriTemplateError::UnsupportedOperator(c)),
            _ => return Ok(None),
        }))
    }

    /// The character an expansion starts with.
    fn prefix(self) -> Option<char> {
        match self {
            Self::Simple | Self::Reserved => None,
            Self::Fragment => Some('#'),
            Self::Label => Some('.'),
            Self::Path => Some('/'),
            Self::PathParam => Some(';'),
            Self::Query => Some('?'),
            Self::QueryContinuation => Some('&'),
        }
    }

    /// The character between the values of several variables.
    fn separator(self) -> char {
        match self {
            Self::Simple | Self::Reserved | Self::Fragment => ',',
            Self::Label => '.',
            Self::Path => '/',
            Self::PathParam => ';',
            Self::Query | Self::QueryContinuation => '&',
        }
    }

    /// Whether values are `name=value` pairs.
    fn named(self) -> bool {
        matches!(
            self,
            Self::PathParam | Self::Query | Self::QueryContinuation
        )
    }

    /// Whether values keep reserved characters and are not decoded.
    fn raw(self) -> bool {
        matches!(self, Self::Reserved | Self::Fragment)
    }

    /// Whether the expression may match nothing.
    fn optional(self) -> bool {
        matches!(
            self,
            Self::Fragment | Self::PathParam | Self::Query | Self::QueryContinuation
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Variable {
    name: String,
    explode: bool,
    max_chars: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Expression {
    operator: Operator,
    variables: Vec<Variable>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Expression(Expression),
}

/// A parsed RFC 6570 URI template. See the [module docs](crate::server::resources::template)
/// for what is supported.
///
/// ```
/// use oxmcp_core::server::resources::UriTemplate;
///
/// let t = UriTemplate::parse("repos/{owner}/{repo}/issues{?state}").unwrap();
/// let vars = t.matches("repos/rust-lang/rust/issues?state=open").unwrap();
/// assert_eq!(vars["owner"], "rust-lang");
/// assert_eq!(vars["state"], "open");
/// assert!(t.matches("repos/rust-lang/issues").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl UriTemplate {
    /// Parses a template.
    pub fn parse(template: &str) -> Result<Self, UriTemplateError> {
        let mut parts = Vec::new();
        let mut rest = template;
        let mut offset = 0;
        while !rest.is_empty() {
            let open = rest.find('{');
            let literal_end = open.unwrap_or(rest.len());
            if let Some(close) = rest[..literal_end].find('}') {
                return Err(UriTemplateError::UnbalancedBrace(offset + close));
            }
            if literal_end > 0 {
                parts.push(Part::Literal(rest[..literal_end].to_owned()));
            }
            let Some(open) = open else { break };
            let body_start = open + 1;
            let close = rest[body_start..]
                .find('}')
                .ok_or(UriTemplateError::UnbalancedBrace(offset + open))?;
            let body = &rest[body_start..body_start + close];
            if body.contains('{') {
                return Err(UriTemplateError::UnbalancedBrace(offset + open));
            }
            let expression = parse_expression(body, offset + open)?;
            if let Some(Part::Expression(_)) = parts.last()
                && expression.operator.prefix().is_none()
            {
                return Err(UriTemplateError::AdjacentExpressions(offset + open));
            }
            parts.push(Part::Expression(expression));
            let consumed = body_start + close + 1;
            rest = &rest[consumed..];
            offset += consumed;
        }
        Ok(Self {
            source: template.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The names of the template's variables, in order.
    pub fn variable_names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().flat_map(|part| match part {
            Part::Expression(e) => e.variables.iter().map(|v| v.name.as_str()).collect(),
            Part::Literal(_) => Vec::new(),
        })
    }

    /// Whether the template names the variable `name`.
    pub fn has_variable(&self, name: &str) -> bool {
        self.variable_names().any(|n| n == name)
    }

    /// Matches `uri` against the template; returns the bound variables, or `None`.
    pub fn matches(&self, uri: &str) -> Option<UriVariables> {
        self.match_scan(&mut Scan::new(uri))
    }

    /// Matches and counts the bytes looked at, the measure the linear-time tests bound;
    /// panics past `budget` bytes.
    #[cfg(test)]
    fn matches_counting(&self, uri: &str, budget: usize) -> (Option<UriVariables>, usize) {
        let mut scan = Scan::with_budget(uri, budget);
        let vars = self.match_scan(&mut scan);
        (vars, scan.work())
    }

    fn match_scan(&self, uri: &mut Scan<'_>) -> Option<UriVariables> {
        let mut vars = UriVariables::new();
        let mut pos = 0;
        for (index, part) in self.parts.iter().enumerate() {
            let is_last = index + 1 == self.parts.len();
            match part {
                Part::Literal(literal) if is_last => {
                    uri.is_rest(pos, literal).then_some(())?;
                    pos = uri.len();
                }
                Part::Literal(literal) => {
                    uri.has_at(pos, literal).then_some(())?;
                    pos += literal.len();
                }
                Part::Expression(expression) => {
                    let end = self.extent_end(index, expression, uri, pos)?;
                    bind(expression, uri.slice(pos, end), &mut vars)?;
                    pos = end;
                }
            }
        }
        (pos == uri.len()).then_some(vars)
    }

    /// Where the expression at `index`, starting at `pos`, ends.
    fn extent_end(
        &self,
        index: usize,
        expression: &Expression,
        uri: &mut Scan<'_>,
        pos: usize,
    ) -> Option<usize> {
        // A required expression takes at least its first character.
        let first = match expression.operator.prefix() {
            Some(own) if uri.has_at(pos, own.encode_utf8(&mut [0; 4])) => own.len_utf8(),
            _ if expression.operator.optional() => 0,
            _ => uri.char_len_at(pos),
        };
        match self.parts.get(index + 1) {
            None => Some(uri.len()),
            Some(Part::Literal(literal)) if index + 2 == self.parts.len() => {
                uri.suffix_from(pos, literal).filter(|end| *end >= pos)
            }
            Some(Part::Literal(literal)) => uri.find_from(pos + first, literal),
            Some(Part::Expression(next)) => {
                let stop = next.operator.prefix()?;
                Some(
                    uri.find_from(pos + first, stop.encode_utf8(&mut [0; 4]))
                        .unwrap_or(uri.len()),
                )
            }
        }
    }
}

fn parse_expression(body: &str, at: usize) -> Result<Expression, UriTemplateError> {
    let mut chars = body.chars();
    let first = chars.next().ok_or(UriTemplateError::EmptyVariable(at))?;
    let (operator, list) = match Operator::parse(first)? {
        Some(op) => (op, chars.as_str()),
        None => (Operator::Simple, body),
    };
    let variables = list
        .split(',')
        .map(|spec| parse_variable(spec, at))
        .collect::<Result<Vec<_>, _>>()?;
    let explodable = matches!(
        operator,
        Operator::Simple | Operator::Reserved | Operator::Label | Operator::Path
    );
    let last = variables.len() - 1;
    for (i, variable) in variables.iter().enumerate() {
        if variable.explode && (!explodable || i != last) {
            return Err(UriTemplateError::UnsupportedModifier(variable.name.clone()));
        }
    }
    Ok(Expression {
        operator,
        variables,
    })
}

fn parse_variable(spec: &str, at: usize) -> Result<Variable, UriTemplateError> {
    let (name, explode, max_chars) = if let Some(name) = spec.strip_suffix('*') {
        (name, true, None)
    } else if let Some((name, length)) = spec.split_once(':') {
        let max = length
            .parse::<usize>()
            .ok()
            .filter(|n| (1..10_000).contains(n))
            .ok_or_else(|| UriTemplateError::UnsupportedModifier(name.to_owned()))?;
        (name, false, Some(max))
    } else {
        (spec, false, None)
    };
    if name.is_empty() {
        return Err(UriTemplateError::EmptyVariable(at));
    }
    let valid = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '%'));
    if !valid {
        return Err(UriTemplateError::InvalidVariable(name.to_owned()));
    }
    Ok(Variable {
        name: name.to_owned(),
        explode,
        max_chars,
    })
}

/// Binds the variables of `expression` from its matched text.
fn bind(expression: &Expression, text: &str, vars: &mut UriVariables) -> Option<()> {
    let op = expression.operator;
    if text.is_empty() {
        return op.optional().then_some(());
    }
    let body = match op.prefix() {
        Some(prefix) => text.strip_prefix(prefix)?,
        None => text,
    };
    if op.named() {
        return bind_named(expression, body, vars);
    }
    let variables = &expression.variables;
    let mut pieces = body.split(op.separator());
    for (i, variable) in variables.iter().enumerate() {
        let value = if i + 1 == variables.len() {
            // The last variable takes the rest: exploded lists and single-variable lists.
            let rest = pieces.by_ref().collect::<Vec<_>>();
            if rest.len() > 1 && !variable.explode && variables.len() > 1 {
                return None;
            }
            rest.join(&op.separator().to_string())
        } else {
            pieces.next()?.to_owned()
        };
        let joined_by = (variable.explode || variables.len() == 1).then(|| op.separator());
        vars.insert(
            variable.name.clone(),
            decode(op, variable, &value, joined_by)?,
        );
    }
    Some(())
}

/// Binds `name=value` pairs (`;`, `?`, `&` operators), in any order.
fn bind_named(expression: &Expression, body: &str, vars: &mut UriVariables) -> Option<()> {
    let op = expression.operator;
    for pair in body.split(op.separator()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let variable = expression.variables.iter().find(|v| v.name == name)?;
        vars.insert(name.to_owned(), decode(op, variable, value, None)?);
    }
    Some(())
}

/// Checks a value's characters and decodes it. `joined_by` is a separator that may appear
/// inside the value (list items).
fn decode(
    op: Operator,
    variable: &Variable,
    value: &str,
    joined_by: Option<char>,
) -> Option<String> {
    if value.is_empty() && !op.named() {
        return None;
    }
    let decoded = if op.raw() {
        value.to_owned()
    } else {
        let allowed = |c: u8| {
            c.is_ascii_alphanumeric()
                || matches!(c, b'-' | b'.' | b'_' | b'~' | b'%' | b',')
                || joined_by.is_some_and(|s| c == s as u8)
        };
        value.bytes().all(allowed).then_some(())?;
        percent_decode(value)?
    };
    if let Some(max) = variable.max_chars
        && decoded.chars().count() > max
    {
        return None;
    }
    Some(decoded)
}

/// Decodes `%XX` escapes; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            hex.bytes().all(|b| b.is_ascii_hexdigit()).then_some(())?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests;
