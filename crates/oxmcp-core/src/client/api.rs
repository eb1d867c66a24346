//! Typed methods for every request a client sends to a server.

use oxmcp_types::methods::{
    CallToolRequest, CompleteRequest, GetPromptRequest, ReadResourceRequest, SetLevelRequest,
    SubscribeRequest, UnsubscribeRequest,
};
use oxmcp_types::methods::{
    ListPromptsRequest, ListResourceTemplatesRequest, ListResourcesRequest, ListToolsRequest,
};
use oxmcp_types::{
    AdaptToVersion, CallToolRequestParams, CallToolResult, CompleteRequestParams, CompleteResult,
    GetPromptRequestParams, GetPromptResult, LoggingLevel, ReadResourceResult,
    ResourceRequestParams, SetLevelRequestParams,
};

use super::pagination::Paginator;
use crate::error::RequestError;
use crate::role::Client;
use crate::session::{Peer, RequestOptions};

impl Peer<Client> {
    /// Adapts outgoing params to the negotiated version.
    fn adapted<T: AdaptToVersion>(&self, params: T) -> T {
        match self.session() {
            Some(info) => params.adapted_to(info.protocol_version),
            None => params,
        }
    }

    /// `tools/list`, every page. Tools are handed over as the server sent them.
    pub fn list_tools(&self) -> Paginator<ListToolsRequest> {
        Paginator::new(self.clone())
    }

    /// `tools/call`. A failing tool is a result with `isError: true`, not an `Err`.
    pub async fn call_tool(
        &self,
        params: CallToolRequestParams,
    ) -> Result<CallToolResult, RequestError> {
        self.call_tool_with(params, RequestOptions::default()).await
    }

    /// `tools/call` with options (timeout, progress, cancellation).
    pub async fn call_tool_with(
        &self,
        params: CallToolRequestParams,
        options: RequestOptions,
    ) -> Result<CallToolResult, RequestError> {
        let params = self.adapted(params);
        self.request_with::<CallToolRequest>(&params, options).await
    }

    /// `resources/list`, every page.
    pub fn list_resources(&self) -> Paginator<ListResourcesRequest> {
        Paginator::new(self.clone())
    }

    /// `resources/templates/list`, every page.
    pub fn list_resource_templates(&self) -> Paginator<ListResourceTemplatesRequest> {
        Paginator::new(self.clone())
    }

    /// `resources/read`.
    pub async fn read_resource(
        &self,
        uri: impl Into<String>,
    ) -> Result<ReadResourceResult, RequestError> {
        self.request::<ReadResourceRequest>(&ResourceRequestParams::new(uri))
            .await
    }

    /// `resources/subscribe`: the server then sends `notifications/resources/updated`.
    pub async fn subscribe(&self, uri: impl Into<String>) -> Result<(), RequestError> {
        self.request::<SubscribeRequest>(&ResourceRequestParams::new(uri))
            .await
            .map(drop)
    }

    /// `resources/unsubscribe`.
    pub async fn unsubscribe(&self, uri: impl Into<String>) -> Result<(), RequestError> {
        self.request::<UnsubscribeRequest>(&ResourceRequestParams::new(uri))
            .await
            .map(drop)
    }

    /// `prompts/list`, every page.
    pub fn list_prompts(&self) -> Paginator<ListPromptsRequest> {
        Paginator::new(self.clone())
    }

    /// `prompts/get`.
    pub async fn get_prompt(
        &self,
        params: GetPromptRequestParams,
    ) -> Result<GetPromptResult, RequestError> {
        self.request::<GetPromptRequest>(&params).await
    }

    /// `completion/complete`.
    pub async fn complete(
        &self,
        params: CompleteRequestParams,
    ) -> Result<CompleteResult, RequestError> {
        let params = self.adapted(params);
        self.request::<CompleteRequest>(&params).await
    }

    /// `logging/setLevel`: the server sends log messages at `level` and above.
    pub async fn set_logging_level(&self, level: LoggingLevel) -> Result<(), RequestError> {
        self.request::<SetLevelRequest>(&SetLevelRequestParams::new(level))
            .await
            .map(drop)
    }
}
