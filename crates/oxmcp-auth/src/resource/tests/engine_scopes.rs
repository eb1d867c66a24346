//! [`ScopePolicy::server`]: the scopes a server's routes declare, answered with 403 before
//! the request reaches it, read live (routes added while serving are covered).

use http::StatusCode;
use oxmcp_core::server::McpServer;
use oxmcp_core::server::prompts::PromptRoute;
use oxmcp_core::server::resources::{ResourceRoute, ResourceTemplateRoute};
use oxmcp_core::server::tools::{NoArguments, ToolRoute};
use oxmcp_http::{AuthHook, Principal};
use oxmcp_types::{GetPromptResult, Implementation, Prompt, Resource, ResourceTemplate};
use serde_json::json;
use url::Url;

use super::server::call;
use super::support::*;
use crate::resource::{JwtConfig, JwtVerifier, ResourceConfig, ResourceServer, ScopePolicy};

fn engine() -> McpServer {
    let prompt = PromptRoute::new(Prompt::new("secret"), |_, _| async {
        Ok(GetPromptResult::new(vec![]))
    });
    let template = ResourceTemplateRoute::new(
        ResourceTemplate::new("notes://{id}", "notes"),
        |_, _, _| async { Ok(vec![]) },
    );
    McpServer::builder(Implementation::new("scoped", "1.0"))
        .prompt(prompt.with_scopes(["prompts:secret"]))
        .resource(
            ResourceRoute::text(Resource::new("file:///motd", "motd"), "hi")
                .with_scopes(["files:read"]),
        )
        .resource_templates([template.with_scopes(["notes:read"])])
        .build()
        .unwrap()
}

fn resource_server(policy: ScopePolicy) -> ResourceServer {
    let mut jwt = JwtConfig::new(ISSUER, RESOURCE);
    jwt.jwks_uri = Some(Url::parse("http://127.0.0.1:9/jwks").unwrap());
    let mut config = ResourceConfig::new(RESOURCE, [ISSUER]);
    config.scopes = policy;
    ResourceServer::new(config, JwtVerifier::new(jwt).unwrap()).unwrap()
}

fn scope_of(rejection: &oxmcp_http::AuthRejection) -> String {
    let header = rejection
        .www_authenticate
        .as_ref()
        .unwrap()
        .to_str()
        .unwrap();
    let at = header.find("scope=\"").unwrap() + 7;
    header[at..].split('"').next().unwrap().to_owned()
}

#[test]
fn the_server_scopes_of_prompts_resources_and_templates_are_required() {
    let server = engine();
    let auth = resource_server(ScopePolicy::default().server(server.clone()));
    let nobody = Principal::new("n").with_scopes(["mcp"]);
    let cases = [
        ("prompts/get", json!({"name": "secret"}), "prompts:secret"),
        (
            "resources/read",
            json!({"uri": "file:///motd"}),
            "files:read",
        ),
        ("resources/read", json!({"uri": "notes://7"}), "notes:read"),
        (
            "resources/subscribe",
            json!({"uri": "notes://8"}),
            "notes:read",
        ),
    ];
    for (method, params, scope) in cases {
        let request = call(method, &params);
        let refused = auth.authorize_request(Some(&nobody), &request).unwrap_err();
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {params}");
        assert_eq!(scope_of(&refused), format!("mcp {scope}"));
        let holder = Principal::new("h").with_scopes([scope]);
        assert!(auth.authorize_request(Some(&holder), &request).is_ok());
    }
    // What the server does not know, or that needs nothing, passes (the server answers).
    for (method, params) in [
        ("resources/read", json!({"uri": "other://1"})),
        ("prompts/get", json!({"name": "nope"})),
        ("tools/call", json!({"name": 5})),
    ] {
        let request = call(method, &params);
        assert!(auth.authorize_request(Some(&nobody), &request).is_ok());
    }
    // A tool added while serving is covered at once.
    let wipe = ToolRoute::new("wipe", |_: NoArguments, _cx| async { "wiped" });
    server.add_tool(wipe.with_scopes(["admin"])).unwrap();
    let request = call("tools/call", &json!({"name": "wipe"}));
    let refused = auth.authorize_request(Some(&nobody), &request).unwrap_err();
    assert_eq!(scope_of(&refused), "mcp admin");
}

#[test]
fn the_policy_and_the_server_add_up() {
    let server = engine();
    let policy = ScopePolicy::default()
        .prompt("secret", ["audit"])
        .server(server);
    let auth = resource_server(policy);
    let request = call("prompts/get", &json!({"name": "secret"}));
    let half = Principal::new("h").with_scopes(["prompts:secret"]);
    let refused = auth.authorize_request(Some(&half), &request).unwrap_err();
    assert_eq!(scope_of(&refused), "prompts:secret audit");
    let both = Principal::new("b").with_scopes(["audit", "prompts:secret"]);
    assert!(auth.authorize_request(Some(&both), &request).is_ok());
    // Unreadable params are still refused when the policy itself names prompts.
    let nameless = call("prompts/get", &json!({"name": 1}));
    let refused = auth.authorize_request(Some(&both), &nameless).unwrap_err();
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[test]
fn completions_need_the_scopes_of_their_prompt_or_template() {
    let auth = resource_server(ScopePolicy::default().server(engine()));
    let nobody = Principal::new("n");
    let complete = |reference: serde_json::Value| {
        call(
            "completion/complete",
            &json!({"ref": reference, "argument": {"name": "id", "value": ""}}),
        )
    };
    let cases = [
        (
            json!({"type": "ref/prompt", "name": "secret"}),
            "prompts:secret",
        ),
        (
            json!({"type": "ref/resource", "uri": "notes://{id}"}),
            "notes:read",
        ),
    ];
    for (reference, scope) in cases {
        let refused = auth
            .authorize_request(Some(&nobody), &complete(reference))
            .unwrap_err();
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(scope_of(&refused), scope);
    }
    // Unknown references, and references of another kind, are left to the server.
    for reference in [
        json!({"type": "ref/prompt", "name": "open"}),
        json!({"type": "ref/other", "name": "secret"}),
    ] {
        assert!(
            auth.authorize_request(Some(&nobody), &complete(reference))
                .is_ok()
        );
    }
    // A completion naming nothing is refused when the policy itself names prompts.
    let auth = resource_server(ScopePolicy::default().prompt("secret", ["audit"]));
    let nameless = call(
        "completion/complete",
        &json!({"ref": {"type": "ref/prompt"}}),
    );
    let refused = auth
        .authorize_request(Some(&nobody), &nameless)
        .unwrap_err();
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let refused = auth
        .authorize_request(
            Some(&nobody),
            &complete(json!({"type": "ref/prompt", "name": "secret"})),
        )
        .unwrap_err();
    assert_eq!(scope_of(&refused), "audit");
}
