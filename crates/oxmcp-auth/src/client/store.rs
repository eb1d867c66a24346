//! Where tokens and dynamic registrations are kept: the [`TokenStore`] trait, with
//! [`MemoryTokenStore`] and [`FileTokenStore`] (a JSON file readable by its owner only).
//! Tokens are keyed by issuer and resource, registrations by issuer.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use oxmcp_http::event_store::BoxFuture;
use serde::{Deserialize, Serialize};

use super::error::OAuthError;
use super::token::{Secret, StoredTokens};

/// Credentials obtained by dynamic registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegisteredClient {
    /// The client id.
    pub client_id: String,
    /// The client secret, if one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// The token endpoint authentication method.
    pub token_endpoint_auth_method: String,
}

/// The key of stored tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StoreKey {
    /// The authorization server's issuer.
    pub issuer: String,
    /// The resource (MCP server) the tokens are for.
    pub resource: String,
}

impl StoreKey {
    /// A key.
    pub fn new(issuer: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            resource: resource.into(),
        }
    }

    fn flat(&self) -> String {
        format!("{} {}", self.issuer, self.resource)
    }
}

/// Keeps tokens and registrations.
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The tokens for `key`.
    fn load<'a>(
        &'a self,
        key: &'a StoreKey,
    ) -> BoxFuture<'a, Result<Option<StoredTokens>, OAuthError>>;
    /// Keeps `tokens` for `key` (replacing any).
    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        tokens: &'a StoredTokens,
    ) -> BoxFuture<'a, Result<(), OAuthError>>;
    /// Forgets the tokens for `key`.
    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<(), OAuthError>>;
    /// The registration at `issuer`.
    fn load_client<'a>(
        &'a self,
        issuer: &'a str,
    ) -> BoxFuture<'a, Result<Option<RegisteredClient>, OAuthError>>;
    /// Keeps the registration at `issuer`.
    fn save_client<'a>(
        &'a self,
        issuer: &'a str,
        client: &'a RegisteredClient,
    ) -> BoxFuture<'a, Result<(), OAuthError>>;
}

/// The contents of a store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Contents {
    #[serde(default)]
    tokens: HashMap<String, StoredTokens>,
    #[serde(default)]
    clients: HashMap<String, RegisteredClient>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keeps everything in memory (the default; lost when the process ends).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    contents: Mutex<Contents>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load<'a>(
        &'a self,
        key: &'a StoreKey,
    ) -> BoxFuture<'a, Result<Option<StoredTokens>, OAuthError>> {
        Box::pin(async move { Ok(lock(&self.contents).tokens.get(&key.flat()).cloned()) })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        tokens: &'a StoredTokens,
    ) -> BoxFuture<'a, Result<(), OAuthError>> {
        Box::pin(async move {
            lock(&self.contents)
                .tokens
                .insert(key.flat(), tokens.clone());
            Ok(())
        })
    }

    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<(), OAuthError>> {
        Box::pin(async move {
            lock(&self.contents).tokens.remove(&key.flat());
            Ok(())
        })
    }

    fn load_client<'a>(
        &'a self,
        issuer: &'a str,
    ) -> BoxFuture<'a, Result<Option<RegisteredClient>, OAuthError>> {
        Box::pin(async move { Ok(lock(&self.contents).clients.get(issuer).cloned()) })
    }

    fn save_client<'a>(
        &'a self,
        issuer: &'a str,
        client: &'a RegisteredClient,
    ) -> BoxFuture<'a, Result<(), OAuthError>> {
        Box::pin(async move {
            lock(&self.contents)
                .clients
                .insert(issuer.to_owned(), client.clone());
            Ok(())
        })
    }
}

/// Keeps everything in one JSON file, created with mode 0600 (owner only) and replaced
/// atomically on every change. One process at a time should use a file.
#[derive(Debug)]
pub struct FileTokenStore {
    path: PathBuf,
    write: tokio::sync::Mutex<()>,
}

impl FileTokenStore {
    /// A store in the file at `path` (created on the first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            write: tokio::sync::Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn read(&self) -> Result<Contents, OAuthError> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                OAuthError::Store(format!("{} is not a token file: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Contents::default()),
            Err(e) => Err(OAuthError::Store(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        })
        .await
        .map_err(|e| OAuthError::Store(e.to_string()))?
    }

    async fn update(&self, change: impl FnOnce(&mut Contents) + Send) -> Result<(), OAuthError> {
        let _turn = self.write.lock().await;
        let mut contents = self.read().await?;
        change(&mut contents);
        let path = self.path.clone();
        let bytes =
            serde_json::to_vec_pretty(&contents).map_err(|e| OAuthError::Store(e.to_string()))?;
        tokio::task::spawn_blocking(move || write_private(&path, &bytes))
            .await
            .map_err(|e| OAuthError::Store(e.to_string()))?
    }
}

/// Writes `bytes` to a temporary file of mode 0600 beside `path`, then renames it.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), OAuthError> {
    use std::io::Write as _;
    let error =
        |e: std::io::Error| OAuthError::Store(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(error)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(error)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(error)?;
    std::fs::rename(&tmp, path).map_err(error)
}

impl TokenStore for FileTokenStore {
    fn load<'a>(
        &'a self,
        key: &'a StoreKey,
    ) -> BoxFuture<'a, Result<Option<StoredTokens>, OAuthError>> {
        Box::pin(async move { Ok(self.read().await?.tokens.remove(&key.flat())) })
    }

    fn save<'a>(
        &'a self,
        key: &'a StoreKey,
        tokens: &'a StoredTokens,
    ) -> BoxFuture<'a, Result<(), OAuthError>> {
        Box::pin(self.update(move |c| {
            c.tokens.insert(key.flat(), tokens.clone());
        }))
    }

    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<(), OAuthError>> {
        Box::pin(self.update(move |c| {
            c.tokens.remove(&key.flat());
        }))
    }

    fn load_client<'a>(
        &'a self,
        issuer: &'a str,
    ) -> BoxFuture<'a, Result<Option<RegisteredClient>, OAuthError>> {
        Box::pin(async move { Ok(self.read().await?.clients.remove(issuer)) })
    }

    fn save_client<'a>(
        &'a self,
        issuer: &'a str,
        client: &'a RegisteredClient,
    ) -> BoxFuture<'a, Result<(), OAuthError>> {
        Box::pin(self.update(move |c| {
            c.clients.insert(issuer.to_owned(), client.clone());
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(at: &str) -> StoredTokens {
        StoredTokens {
            access_token: Secret::new(at),
            refresh_token: Some(Secret::new("rt")),
            expires_at: Some(1),
            scope: None,
        }
    }

    async fn exercise(store: &dyn TokenStore) {
        let a = StoreKey::new("https://as1", "https://mcp/x");
        let b = StoreKey::new("https://as2", "https://mcp/x");
        assert_eq!(store.load(&a).await.unwrap(), None);
        store.save(&a, &tokens("one")).await.unwrap();
        store.save(&b, &tokens("two")).await.unwrap();
        assert_eq!(store.load(&a).await.unwrap(), Some(tokens("one")));
        assert_eq!(store.load(&b).await.unwrap(), Some(tokens("two")));
        store.remove(&a).await.unwrap();
        assert_eq!(store.load(&a).await.unwrap(), None);
        let client = RegisteredClient {
            client_id: "c".into(),
            client_secret: Some(Secret::new("s")),
            token_endpoint_auth_method: "client_secret_basic".into(),
        };
        store.save_client("https://as1", &client).await.unwrap();
        assert_eq!(
            store.load_client("https://as1").await.unwrap(),
            Some(client)
        );
        assert_eq!(store.load_client("https://as2").await.unwrap(), None);
        assert!(!format!("{store:?}").contains("\"two\""));
    }

    #[tokio::test]
    async fn memory_store() {
        exercise(&MemoryTokenStore::new()).await;
    }

    #[tokio::test]
    async fn file_store_is_private_and_survives_reopening() {
        let dir = std::env::temp_dir().join(format!(
            "oxmcp-auth-store-{}",
            crate::client::pkce::random_b64(6)
        ));
        let path = dir.join("nested").join("tokens.json");
        exercise(&FileTokenStore::new(&path)).await;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let again = FileTokenStore::new(&path);
        let b = StoreKey::new("https://as2", "https://mcp/x");
        assert_eq!(again.load(&b).await.unwrap(), Some(tokens("two")));
        std::fs::write(&path, b"not json").unwrap();
        assert!(again.load(&b).await.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
