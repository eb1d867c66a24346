use super::*;

fn vars(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
    let t = UriTemplate::parse(template).unwrap();
    t.matches(uri).map(|v| v.into_iter().collect())
}

fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
    Some(
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect(),
    )
}

#[test]
fn simple_expressions() {
    assert_eq!(vars("users/{id}", "users/42"), pairs(&[("id", "42")]));
    assert_eq!(
        vars("users/{id}/posts/{post}", "users/7/posts/x-1"),
        pairs(&[("id", "7"), ("post", "x-1")])
    );
    assert_eq!(
        vars("users/{id}", "users/"),
        None,
        "path variables are required"
    );
    assert_eq!(
        vars("users/{id}", "users/a/b"),
        None,
        "no `/` in a simple value"
    );
    assert_eq!(vars("users/{id}", "users/a%20b"), pairs(&[("id", "a b")]));
    assert_eq!(vars("users/{id}", "users/%zz"), None);
    assert_eq!(vars("users/{id}", "users/%+1"), None);
    assert_eq!(vars("users/{id}", "people/1"), None);
    assert_eq!(vars("{x,y}", "1,2"), pairs(&[("x", "1"), ("y", "2")]));
    assert_eq!(vars("{x,y}", "1,2,3"), None);
    assert_eq!(vars("{list}", "a,b,c"), pairs(&[("list", "a,b,c")]));
}

#[test]
fn reserved_and_fragment() {
    assert_eq!(
        vars("file:///{+path}", "file:///src/main.rs"),
        pairs(&[("path", "src/main.rs")])
    );
    assert_eq!(
        vars("files/{+path}/meta", "files/a/b/meta"),
        pairs(&[("path", "a/b")])
    );
    assert_eq!(
        vars("{+base}.json", "a.b.json"),
        pairs(&[("base", "a.b")]),
        "a final literal anchors at the end"
    );
    assert_eq!(
        vars("doc{#section}", "doc#intro"),
        pairs(&[("section", "intro")])
    );
    assert_eq!(vars("doc{#section}", "doc"), pairs(&[]));
    assert_eq!(
        vars("raw/{+v}", "raw/%41"),
        pairs(&[("v", "%41")]),
        "not decoded"
    );
}

#[test]
fn label_and_path() {
    assert_eq!(
        vars("{name}{.ext}", "report.pdf"),
        pairs(&[("ext", "pdf"), ("name", "report")])
    );
    assert_eq!(
        vars("repo{/owner,name}", "repo/rust-lang/rust"),
        pairs(&[("name", "rust"), ("owner", "rust-lang")])
    );
    assert_eq!(
        vars("tree{/path*}", "tree/a/b/c"),
        pairs(&[("path", "a/b/c")])
    );
    assert_eq!(vars("repo{/owner,name}", "repo/a/b/c"), None);
    assert_eq!(vars("tree{/path*}", "tree"), None);
    assert_eq!(vars("{/a}{/b}", "/x/y"), pairs(&[("a", "x"), ("b", "y")]));
}

#[test]
fn named_operators() {
    assert_eq!(
        vars("search{?q,lang}", "search?lang=en&q=rust"),
        pairs(&[("lang", "en"), ("q", "rust")])
    );
    assert_eq!(vars("search{?q,lang}", "search"), pairs(&[]));
    assert_eq!(vars("search{?q}", "search?q="), pairs(&[("q", "")]));
    assert_eq!(vars("search{?q}", "search?other=1"), None);
    assert_eq!(
        vars("list?page=1{&size}", "list?page=1&size=10"),
        pairs(&[("size", "10")])
    );
    assert_eq!(
        vars("map{;x,y}", "map;y=2;x=1"),
        pairs(&[("x", "1"), ("y", "2")])
    );
    assert_eq!(
        vars("items/{id}{?fields}", "items/9?fields=a,b"),
        pairs(&[("fields", "a,b"), ("id", "9")])
    );
}

#[test]
fn prefix_modifier() {
    assert_eq!(vars("{code:3}", "abc"), pairs(&[("code", "abc")]));
    assert_eq!(vars("{code:3}", "abcd"), None);
}

#[test]
fn parse_errors() {
    use UriTemplateError as E;
    assert_eq!(UriTemplate::parse("a{b"), Err(E::UnbalancedBrace(1)));
    assert_eq!(UriTemplate::parse("a}b"), Err(E::UnbalancedBrace(1)));
    assert_eq!(UriTemplate::parse("a{}"), Err(E::EmptyVariable(1)));
    assert_eq!(UriTemplate::parse("{a}{b}"), Err(E::AdjacentExpressions(3)));
    assert_eq!(UriTemplate::parse("{=a}"), Err(E::UnsupportedOperator('=')));
    assert_eq!(
        UriTemplate::parse("{?a*}"),
        Err(E::UnsupportedModifier("a".to_owned()))
    );
    assert_eq!(
        UriTemplate::parse("{a:0}"),
        Err(E::UnsupportedModifier("a".to_owned()))
    );
    assert_eq!(
        UriTemplate::parse("{a b}"),
        Err(E::InvalidVariable("a b".to_owned()))
    );
    let t = UriTemplate::parse("x/{a}/{+b}{?c,d}").unwrap();
    assert_eq!(t.variable_names().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
    assert_eq!(t.to_string(), "x/{a}/{+b}{?c,d}");
}

/// Bytes of `uri` the matcher looks at when matching it against `template` (and whether it
/// matched). Deterministic, unlike a timing: the work is counted, not measured. Panics as soon
/// as the count passes four looks at each byte of the URI and the template, so a super-linear
/// matcher fails here instead of running for minutes.
fn work(template: &str, uri: &str) -> (usize, bool) {
    let t = UriTemplate::parse(template).unwrap();
    let (vars, work) = t.matches_counting(uri, 4 * (uri.len() + template.len()));
    (work, vars.is_some())
}

/// URIs of about `n` bytes for each template: classic regex-backtracking traps (many
/// candidate split points, no match at the end) and long values that do match.
fn hostile_cases(n: usize) -> [(&'static str, String, bool); 6] {
    [
        ("{+a}x{+b}x{+c}y", "x".repeat(n), false),
        ("{+a}/{+b}/{+c}.json", "/".repeat(n), false),
        ("p/{a}{/b*}{?q}", format!("p/a{}", "/b".repeat(n / 2)), true),
        ("{+a}aaab", "a".repeat(n), false),
        (
            "files/{+path}/meta",
            format!("files/{}/meta", "a/".repeat(n / 2)),
            true,
        ),
        (
            "{+a}x{+b}",
            format!("{}x{}", "y".repeat(n / 2), "x".repeat(n / 2)),
            true,
        ),
    ]
}

#[test]
fn hostile_uris_are_matched_in_linear_time() {
    // Counts, not timings, so the inputs need not be large: retrying each of the n candidate
    // split points of one expression would look at about n²/2 bytes, 1,000 times the budget
    // of `work` at n = 10,000.
    let small = hostile_cases(1_000);
    let large = hostile_cases(10_000);
    for ((template, short, _), (_, uri, matches)) in small.iter().zip(&large) {
        let (short_work, _) = work(template, short);
        let (long_work, matched) = work(template, uri);
        assert_eq!(matched, *matches, "{template}");
        // Ten times the input, at most ten times the work (a quadratic matcher: a hundred).
        assert!(
            long_work <= 10 * short_work + 10 * template.len(),
            "{template}: {short_work} -> {long_work}"
        );
        if *matches {
            // The count is live: binding reads every byte of the values.
            assert!(
                long_work >= uri.len() - template.len(),
                "{template}: {long_work}"
            );
        }
    }
}
