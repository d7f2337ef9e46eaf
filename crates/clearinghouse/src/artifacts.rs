//! Artifact storage (attachments, SBOMs, finding submissions, sealed PoCs) through
//! the `object_store` crate: a local folder by default, S3-compatible storage
//! by URL. Objects are addressed by their SHA-256, so a stored object is
//! immutable and deduplicated; work files between processes (a split
//! submission's chunks, [`Artifacts::chunk_key`]) are the one exception,
//! deleted once used.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};

/// Why an object could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("local file: {0}")]
    Io(#[from] std::io::Error),
}

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
        let key = Self::key_for(&sha);
        self.inner
            .put(&ObjectPath::from(key.as_str()), PutPayload::from(bytes))
            .await?;
        Ok((key, sha))
    }

    /// Stores a local file under `key` in parts of 8 MiB, so a file of any
    /// size goes to S3 (or the local folder) in bounded memory.
    pub async fn put_file(&self, key: &str, file: &Path) -> Result<(), ArtifactError> {
        use tokio::io::AsyncReadExt as _;
        let upload = self.inner.put_multipart(&ObjectPath::from(key)).await?;
        let mut writer = WriteMultipart::new(upload);
        let mut input = tokio::fs::File::open(file).await?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = input.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(4).await?;
            writer.write(&buf[..n]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// Copies an object into a local file, streaming.
    pub async fn download(&self, key: &str, to: &Path) -> Result<(), ArtifactError> {
        use futures_util::StreamExt as _;
        use tokio::io::AsyncWriteExt as _;
        let mut stream = self.inner.get(&ObjectPath::from(key)).await?.into_stream();
        let mut out = tokio::fs::File::create(to).await?;
        while let Some(chunk) = stream.next().await {
            out.write_all(&chunk?).await?;
        }
        out.flush().await?;
        Ok(())
    }

    /// The content-addressed key of an object with this SHA-256 (hex).
    pub fn key_for(sha256: &str) -> String {
        format!("sha256/{}/{}", sha256.get(..2).unwrap_or("00"), sha256)
    }

    /// Where chunk `chunk` of a split submission is kept until committed.
    pub fn chunk_key(submission_id: &str, chunk: u64) -> String {
        format!("work/submissions/{submission_id}/chunk-{chunk}.jsonl")
    }

    /// Deletes an object; deleting one that is gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), object_store::Error> {
        match self.inner.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
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
