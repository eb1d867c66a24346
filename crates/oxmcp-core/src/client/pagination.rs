//! Auto-pagination of the `*/list` methods: follows `nextCursor`, bounded.

use std::collections::{HashSet, VecDeque};

use futures_util::Stream;
use oxmcp_types::methods::{
    ListPromptsRequest, ListResourceTemplatesRequest, ListResourcesRequest, ListTasksRequest,
    ListToolsRequest, RequestMethod,
};
use oxmcp_types::pagination::{Cursor, PaginatedRequestParams};
use oxmcp_types::{Prompt, Resource, ResourceTemplate, Task, Tool};

use crate::error::RequestError;
use crate::role::{Client, Role};
use crate::session::{Peer, RequestOptions};

/// How many pages a [`Paginator`] fetches at most, unless told otherwise.
pub const DEFAULT_MAX_PAGES: usize = 1000;

/// A paginated list request: what its result holds.
pub trait ListMethod: RequestMethod<Params = PaginatedRequestParams> {
    /// One listed item.
    type Item: Send + 'static;
    /// Splits a result into its items and the next page's cursor.
    fn into_page(result: Self::Result) -> (Vec<Self::Item>, Option<Cursor>);
}

/// Implements [`ListMethod`] for list results with one array member.
macro_rules! list_methods {
    ($($method:ty => $item:ty, $field:ident;)*) => {$(
        impl ListMethod for $method {
            type Item = $item;
            fn into_page(result: Self::Result) -> (Vec<$item>, Option<Cursor>) {
                (result.$field, result.next_cursor)
            }
        }
    )*};
}

list_methods! {
    ListToolsRequest => Tool, tools;
    ListResourcesRequest => Resource, resources;
    ListResourceTemplatesRequest => ResourceTemplate, resource_templates;
    ListPromptsRequest => Prompt, prompts;
    ListTasksRequest => Task, tasks;
}

/// Why listing stopped before the last page.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError {
    /// A page request failed.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The server kept returning cursors past the page limit.
    #[error("`{method}` returned more than {max} pages")]
    TooManyPages {
        /// The list method.
        method: &'static str,
        /// The limit.
        max: usize,
    },
    /// The server returned a cursor it had already returned: following it would loop.
    #[error("`{method}` returned the cursor `{cursor}` a second time")]
    RepeatedCursor {
        /// The list method.
        method: &'static str,
        /// The repeated cursor.
        cursor: Cursor,
    },
}

/// Fetches the pages of a list one after the other, following `nextCursor` until the peer
/// omits it (a client listing the server's tools, or either side listing the other's tasks). Stops with an error after [`max_pages`](Self::max_pages) pages (default
/// [`DEFAULT_MAX_PAGES`]) or when a cursor comes back a second time.
///
/// ```no_run
/// # async fn f(client: oxmcp_core::RunningClient) -> Result<(), oxmcp_core::client::PaginationError> {
/// let tools = client.peer().list_tools().max_pages(50).collect_all().await?;
/// for tool in &tools {
///     println!("{}", tool.display_name());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Paginator<M: ListMethod, R: Role = Client> {
    peer: Peer<R>,
    /// The cursor of the next page; `None` once the list is done (or failed).
    next: Option<Option<Cursor>>,
    seen: HashSet<Cursor>,
    pages: usize,
    max_pages: usize,
    options: RequestOptions,
    _method: std::marker::PhantomData<fn() -> M>,
}

impl<M: ListMethod, R: Role> Paginator<M, R> {
    /// A paginator of `M` over `peer`, from the first page (for list methods the engine
    /// has no method of its own for, such as `tasks/list` of the `oxmcp-tasks` crate).
    pub fn new(peer: Peer<R>) -> Self {
        Self {
            peer,
            next: Some(None),
            seen: HashSet::new(),
            pages: 0,
            max_pages: DEFAULT_MAX_PAGES,
            options: RequestOptions::default(),
            _method: std::marker::PhantomData,
        }
    }

    /// Sets the most pages to fetch.
    #[must_use]
    pub fn max_pages(mut self, max: usize) -> Self {
        self.max_pages = max;
        self
    }

    /// Sets the options of each page request.
    #[must_use]
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Fetches the next page: `None` after the last one, or after an error.
    pub async fn next_page(&mut self) -> Option<Result<Vec<M::Item>, PaginationError>> {
        let cursor = self.next.take()?;
        if self.pages >= self.max_pages {
            return Some(Err(PaginationError::TooManyPages {
                method: M::METHOD,
                max: self.max_pages,
            }));
        }
        self.pages += 1;
        let mut params = PaginatedRequestParams::default();
        params.cursor = cursor;
        let result = match self
            .peer
            .request_with::<M>(&params, self.options.clone())
            .await
        {
            Ok(result) => result,
            Err(e) => return Some(Err(e.into())),
        };
        let (items, next) = M::into_page(result);
        if let Some(cursor) = &next
            && !self.seen.insert(cursor.clone())
        {
            return Some(Err(PaginationError::RepeatedCursor {
                method: M::METHOD,
                cursor: cursor.clone(),
            }));
        }
        self.next = next.map(Some);
        Some(Ok(items))
    }

    /// Fetches every page and returns all the items.
    pub async fn collect_all(mut self) -> Result<Vec<M::Item>, PaginationError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(page?);
        }
        Ok(all)
    }

    /// The items one by one, fetching pages as needed. An error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<M::Item, PaginationError>> + Send
    where
        M::Item: Send,
    {
        futures_util::stream::unfold(
            (self, VecDeque::new()),
            |(mut pages, mut buffer)| async move {
                loop {
                    if let Some(item) = buffer.pop_front() {
                        return Some((Ok(item), (pages, buffer)));
                    }
                    match pages.next_page().await? {
                        Ok(items) => buffer.extend(items),
                        Err(e) => return Some((Err(e), (pages, buffer))),
                    }
                }
            },
        )
    }
}
