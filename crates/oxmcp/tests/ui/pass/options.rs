//! Router options, several routers on one type, generic impls, docs from expressions, and
//! a renamed `oxmcp` crate path.
#![deny(warnings)]

use std::marker::PhantomData;
use std::sync::Arc;

use oxmcp::prelude::*;

mod inner {
    use oxmcp::prelude::*;

    /// A type with a crate-private router and a second, public one.
    pub struct Split;

    #[tool_router(vis = pub(crate), fn_name = user_tools)]
    impl Split {
        /// For users.
        #[tool]
        async fn hello(&self) -> &'static str {
            "hello"
        }
    }

    #[tool_router(fn_name = admin_tools, crate = "::oxmcp")]
    impl Split {
        #[doc = concat!("For ", "admins.")]
        #[tool(name = "admin.hello")]
        async fn admin_hello(&self, cx: &RequestContext<Server>) -> String {
            cx.id().to_string()
        }
    }
}

/// A generic server type.
struct Generic<T> {
    marker: PhantomData<fn() -> T>,
}

#[tool_router]
impl<T: 'static> Generic<T> {
    /// Says its type.
    #[tool]
    async fn type_name(&self) -> String {
        std::any::type_name::<T>().to_owned()
    }
}

/// Plain parameters: attributes move to the generated fields; `#[arg]` makes a lone
/// struct-like parameter a plain argument.
struct Plain;

/// A newtype that is not an argument struct.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct UserId(String);

#[tool_router]
impl Plain {
    /// Finds a user.
    #[tool]
    async fn find(&self, #[arg] id: UserId) -> String {
        id.0
    }

    /// Pages.
    #[tool]
    async fn page(
        &self,
        /// Where to start.
        #[serde(default)]
        #[schemars(range(min = 0))]
        start: u32,
        mut limit: Option<u32>,
    ) -> String {
        limit.get_or_insert(10);
        format!("{start}:{limit:?}")
    }
}

fn main() {
    let split = Arc::new(inner::Split);
    let user = split.user_tools();
    assert_eq!(user[0].name(), "hello");
    assert_eq!(user[0].tool().description.as_deref(), Some("For users."));
    let admin = split.admin_tools();
    assert_eq!(admin[0].name(), "admin.hello");
    assert_eq!(admin[0].tool().description.as_deref(), Some("For admins."));

    let generic = Arc::new(Generic::<u8> { marker: PhantomData });
    assert_eq!(generic.tool_routes()[0].name(), "type_name");

    let plain = Arc::new(Plain).tool_routes();
    let find = plain[0].tool();
    assert_eq!(find.input_schema["required"], serde_json::json!(["id"]));
    let page = plain[1].tool();
    let properties = &page.input_schema["properties"];
    assert_eq!(properties["start"]["description"], "Where to start.");
    assert_eq!(properties["start"]["minimum"], 0);
    assert!(page.input_schema.get("required").is_none());
}
