//! Artifact storage (attachments now; PoCs, SBOMs and patches later) through
//! the `object_store` crate: a local folder by default, S3-compatible storage
//! by URL. Objects are addressed by their SHA-256, so a stored object is
//! immutable and deduplicated.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct Artifacts {
    inner: Arc<dyn ObjectStore>,
}

impl Artifacts {
    /// `None` means `artifacts/` in the data folder.
    pub fn open(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Artifacts> {
        let inner: Arc<dyn ObjectStore> = match url {
            None => Arc::new(local(&data_dir.join("artifacts"))?),
            Some(u) if u.starts_with("s3://") => Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_url(u)
                    .build()
                    .context("configuring S3 object storage")?,
            ),
            Some(u) => {
                let path = u.strip_prefix("file://").unwrap_or(u);
                Arc::new(local(Path::new(path))?)
            }
        };
        Ok(Artifacts { inner })
    }

    /// Stores bytes; returns `(key, sha256 hex)`.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<(String, String), object_store::Error> {
        let sha = hex::encode(Sha256::digest(&bytes));
        let key = format!("sha256/{}/{}", &sha[..2], sha);
        self.inner
            .put(&ObjectPath::from(key.as_str()), PutPayload::from(bytes))
            .await?;
        Ok((key, sha))
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, object_store::Error> {
        let got = self.inner.get(&ObjectPath::from(key)).await?;
        Ok(got.bytes().await?.to_vec())
    }
}

fn local(dir: &Path) -> anyhow::Result<LocalFileSystem> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    LocalFileSystem::new_with_prefix(dir).context("opening the artifact folder")
}
