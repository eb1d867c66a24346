//! Integration tests of oxmcp-auth: a mock authorization server and a protected oxmcp MCP
//! server on 127.0.0.1, the oxmcp client through `OAuthClient`.

mod flow;
mod mock;
mod refresh;
mod safety;
