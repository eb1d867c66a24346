use std::fs;

use super::*;

fn places(dir: &Path, explicit: Vec<PathBuf>) -> Places {
    Places {
        explicit,
        cwd: dir.join("project"),
        home: Some(dir.join("home")),
        config_dir: Some(dir.join("home").join(".config")),
    }
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn claude_desktop_style_file() {
    let text = r#"{"mcpServers": {
        "files": {"command": "npx", "args": ["-y", "server-files", "${workspaceFolder}"], "env": {"K": "v"}},
        "remote": {"url": "https://mcp.example.com/mcp", "headers": {"X-Team": "blue"}}
    }}"#;
    let found = parse_file(text, Path::new("c.json"), Path::new("/work")).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        found[0].entry,
        ServerEntry::Stdio {
            command: "npx".into(),
            args: vec!["-y".into(), "server-files".into(), "/work".into()],
            env: BTreeMap::from([("K".into(), "v".into())]),
            cwd: None,
        }
    );
    assert_eq!(
        found[1].entry,
        ServerEntry::Http {
            url: "https://mcp.example.com/mcp".into(),
            headers: BTreeMap::from([("X-Team".into(), "blue".into())]),
        }
    );
}

#[test]
fn vscode_style_file_with_comments() {
    let text = r#"{
      // VS Code allows comments
      "inputs": [],
      "servers": {
        "web": {"type": "http", "url": "http://127.0.0.1:9/mcp",},
        "local": {"type": "stdio", "command": "srv", "args": ["--x"]},
      }
    }"#;
    let found = parse_file(text, Path::new("mcp.json"), Path::new("/w")).unwrap();
    let names: Vec<_> = found.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["local", "web"]);
}

#[test]
fn bad_entries_are_reported() {
    for (text, needle) in [
        (r#"{"servers": {"a": {}}}"#, "neither `command` nor `url`"),
        (r#"{"servers": {"a": {"command": 1}}}"#, "neither"),
        (
            r#"{"servers": {"a": {"command": "x", "args": "y"}}}"#,
            "not an array",
        ),
        (
            r#"{"servers": {"a": {"url": "https://x", "headers": {"h": "${input:key}"}}}}"#,
            "editor prompt",
        ),
        (
            r#"{"servers": {"a": {"type": "stdio", "url": "https://x"}}}"#,
            "type",
        ),
        (r#"{"other": {}}"#, "no `mcpServers`"),
        ("not json", "not JSON"),
    ] {
        let e = parse_file(text, Path::new("f.json"), Path::new("/")).unwrap_err();
        assert!(e.contains(needle), "{e} lacks {needle}");
    }
}

#[test]
fn discovery_order_explicit_then_project_then_user() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("home/.config/Claude/claude_desktop_config.json"),
        r#"{"mcpServers": {"shared": {"command": "from-claude"}, "claude-only": {"command": "c"}}}"#,
    );
    write(
        &root.join("project/.vscode/mcp.json"),
        r#"{"servers": {"shared": {"command": "from-vscode"}}}"#,
    );
    write(
        &root.join("home/.cursor/mcp.json"),
        r#"{"mcpServers": {"cursor-only": {"url": "https://c.example/mcp"}}}"#,
    );
    let p = places(root, vec![]);
    let found = find(&p, "shared").unwrap();
    assert!(
        matches!(found.entry, ServerEntry::Stdio { ref command, .. } if command == "from-vscode")
    );
    assert!(find(&p, "claude-only").is_ok());
    assert!(find(&p, "cursor-only").is_ok());
    let e = find(&p, "nope").unwrap_err();
    assert!(
        e.contains("known: shared, claude-only") || e.contains("known:"),
        "{e}"
    );

    let explicit = root.join("mine.json");
    write(
        &explicit,
        r#"{"mcpServers": {"shared": {"command": "from-flag"}}}"#,
    );
    let found = find(&places(root, vec![explicit]), "shared").unwrap();
    assert!(
        matches!(found.entry, ServerEntry::Stdio { ref command, .. } if command == "from-flag")
    );
}

#[test]
fn a_missing_explicit_file_is_an_error_a_missing_usual_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    assert!(discover(&places(dir.path(), vec![])).unwrap().is_empty());
    let e = discover(&places(dir.path(), vec![dir.path().join("none.json")])).unwrap_err();
    assert!(e.contains("cannot read"), "{e}");
    let e = find(&places(dir.path(), vec![]), "x").unwrap_err();
    assert!(e.contains("no host config file"), "{e}");
}

#[test]
fn variables() {
    let cwd = Path::new("/p");
    assert_eq!(expand("a${workspaceFolder}/b", cwd).unwrap(), "a/p/b");
    assert!(expand("${nope}", cwd).is_err());
    assert!(expand("${env:X", cwd).is_err());
    assert_eq!(expand("plain", cwd).unwrap(), "plain");
}
