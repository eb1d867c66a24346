use std::time::{Duration, Instant};

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

/// Time to match `uri` against `template` (and whether it matched).
fn timed(template: &str, uri: &str) -> (Duration, bool) {
    let t = UriTemplate::parse(template).unwrap();
    let start = Instant::now();
    let matched = t.matches(uri).is_some();
    (start.elapsed(), matched)
}

#[test]
fn hostile_uris_are_matched_in_linear_time() {
    // Classic regex-backtracking traps: many candidate split points, no match at the end.
    let cases = [
        ("{+a}x{+b}x{+c}y", "x".repeat(100_000)),
        ("{+a}/{+b}/{+c}.json", "/".repeat(100_000)),
        ("p/{a}{/b*}{?q}", format!("p/a{}", "/b".repeat(50_000))),
        ("{+a}aaab", "a".repeat(100_000)),
    ];
    for (template, uri) in &cases {
        let (small, _) = timed(template, &uri[..uri.len() / 10]);
        let (large, _) = timed(template, uri);
        assert!(
            large < Duration::from_millis(200),
            "{template}: {large:?} for {} bytes",
            uri.len()
        );
        // Ten times the input must not cost a hundred times the time.
        assert!(
            large < small * 50 + Duration::from_millis(5),
            "{template}: {small:?} -> {large:?}"
        );
    }
}
