//! Sixteen tools with typed arguments, for cold start: what a server with a real tool list
//! does between exec and its `initialize` answer (schemas generated from Rust types). The
//! same sixteen tools in oxmcp and in rmcp, each with its own argument type (four shapes,
//! four distinct types of each, so that neither library can share one type's schema).

use std::collections::BTreeMap;

use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::ToolRoute;
use oxmcp_types::Implementation;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};

/// Declares distinct argument types of one shape (the same fields under other names).
macro_rules! shape {
    ($doc:literal, [$($name:ident),*], $body:tt) => {
        $(
            #[doc = $doc]
            #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
            pub(crate) struct $name $body
        )*
    };
}

shape!("A text to send back.", [Text0, Text1, Text2, Text3], {
    /// The text.
    text: String,
});

shape!("Two numbers.", [Pair0, Pair1, Pair2, Pair3], {
    /// The first.
    a: f64,
    /// The second.
    b: f64,
});

shape!("A search.", [Search0, Search1, Search2, Search3], {
    /// What to look for.
    query: String,
    /// At most this many results.
    limit: Option<u32>,
    /// Only results with all of these tags.
    #[serde(default)]
    tags: Vec<String>,
});

/// How loud an event is.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    /// Routine.
    Info,
    /// Worth a look.
    Warning,
    /// Broken.
    Error,
}

shape!("An event to record.", [Event0, Event1, Event2, Event3], {
    /// Its name.
    name: String,
    /// How loud it is.
    level: Level,
    /// Free-form attributes.
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    /// When, in milliseconds since the epoch.
    at: Option<i64>,
});

macro_rules! text {
    ($t:expr) => {
        $t.text
    };
}
macro_rules! pair {
    ($p:expr) => {
        ($p.a + $p.b).to_string()
    };
}
macro_rules! search {
    ($s:expr) => {{
        let s = $s;
        format!("{} {:?} {}", s.query, s.limit, s.tags.len())
    }};
}
macro_rules! event {
    ($e:expr) => {{
        let e = $e;
        format!("{} {:?} {} {:?}", e.name, e.level, e.attributes.len(), e.at)
    }};
}

/// One oxmcp tool: `name`, arguments of type `$args`, body `$body!`.
macro_rules! route {
    ($name:literal, $args:ty, $body:ident) => {
        ToolRoute::new($name, |a: $args, _cx| async move { $body!(a) })
            .with_description(concat!("Tool ", $name, "."))
    };
}

/// The oxmcp server: the sixteen tools.
pub(crate) fn oxmcp_server() -> McpServer {
    McpServer::builder(Implementation::new("oxmcp-bench", "1.0"))
        .tool(route!("text_0", Text0, text))
        .tool(route!("text_1", Text1, text))
        .tool(route!("text_2", Text2, text))
        .tool(route!("text_3", Text3, text))
        .tool(route!("pair_0", Pair0, pair))
        .tool(route!("pair_1", Pair1, pair))
        .tool(route!("pair_2", Pair2, pair))
        .tool(route!("pair_3", Pair3, pair))
        .tool(route!("search_0", Search0, search))
        .tool(route!("search_1", Search1, search))
        .tool(route!("search_2", Search2, search))
        .tool(route!("search_3", Search3, search))
        .tool(route!("event_0", Event0, event))
        .tool(route!("event_1", Event1, event))
        .tool(route!("event_2", Event2, event))
        .tool(route!("event_3", Event3, event))
        .build()
        .expect("sixteen tools register")
}

/// The rmcp server: the same sixteen tools, written the way rmcp's examples write tools.
#[derive(Debug, Clone)]
pub(crate) struct RmcpSixteen {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl RmcpSixteen {
    pub(crate) fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Tool text_0.")]
    fn text_0(&self, Parameters(a): Parameters<Text0>) -> String {
        text!(a)
    }
    #[tool(description = "Tool text_1.")]
    fn text_1(&self, Parameters(a): Parameters<Text1>) -> String {
        text!(a)
    }
    #[tool(description = "Tool text_2.")]
    fn text_2(&self, Parameters(a): Parameters<Text2>) -> String {
        text!(a)
    }
    #[tool(description = "Tool text_3.")]
    fn text_3(&self, Parameters(a): Parameters<Text3>) -> String {
        text!(a)
    }
    #[tool(description = "Tool pair_0.")]
    fn pair_0(&self, Parameters(a): Parameters<Pair0>) -> String {
        pair!(a)
    }
    #[tool(description = "Tool pair_1.")]
    fn pair_1(&self, Parameters(a): Parameters<Pair1>) -> String {
        pair!(a)
    }
    #[tool(description = "Tool pair_2.")]
    fn pair_2(&self, Parameters(a): Parameters<Pair2>) -> String {
        pair!(a)
    }
    #[tool(description = "Tool pair_3.")]
    fn pair_3(&self, Parameters(a): Parameters<Pair3>) -> String {
        pair!(a)
    }
    #[tool(description = "Tool search_0.")]
    fn search_0(&self, Parameters(a): Parameters<Search0>) -> String {
        search!(a)
    }
    #[tool(description = "Tool search_1.")]
    fn search_1(&self, Parameters(a): Parameters<Search1>) -> String {
        search!(a)
    }
    #[tool(description = "Tool search_2.")]
    fn search_2(&self, Parameters(a): Parameters<Search2>) -> String {
        search!(a)
    }
    #[tool(description = "Tool search_3.")]
    fn search_3(&self, Parameters(a): Parameters<Search3>) -> String {
        search!(a)
    }
    #[tool(description = "Tool event_0.")]
    fn event_0(&self, Parameters(a): Parameters<Event0>) -> String {
        event!(a)
    }
    #[tool(description = "Tool event_1.")]
    fn event_1(&self, Parameters(a): Parameters<Event1>) -> String {
        event!(a)
    }
    #[tool(description = "Tool event_2.")]
    fn event_2(&self, Parameters(a): Parameters<Event2>) -> String {
        event!(a)
    }
    #[tool(description = "Tool event_3.")]
    fn event_3(&self, Parameters(a): Parameters<Event3>) -> String {
        event!(a)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for RmcpSixteen {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}
