//! Media bytes on the local filesystem.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Media bytes on the local filesystem under a root directory, one file per id.
///
/// Ids must be UUIDs; anything else is refused with `InvalidInput`, so no id can name a path
/// outside the root. The file is named by the UUID's lowercase hyphenated form. Writes go to a
/// temporary file that is synced and then renamed over the id, so a crash never leaves part of
/// a file under an id. The calls block: run them off the async executor.
#[derive(Clone, Debug)]
pub struct MediaStore {
    root: PathBuf,
}

impl MediaStore {
    /// Opens the store, creating its directory (and parents) when missing.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `bytes` under `id`, replacing what was there.
    pub fn put(&self, id: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path_of(id)?;
        let temp = self.root.join(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
        let written = (|| {
            let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&temp, &path)
        })();
        if let Err(error) = written {
            let _ = fs::remove_file(&temp);
            return Err(error);
        }
        // Make the rename itself durable.
        #[cfg(unix)]
        fs::File::open(&self.root)?.sync_all()?;
        Ok(())
    }

    /// The bytes stored under `id`, or `None` when there are none.
    pub fn get(&self, id: &str) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.path_of(id)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Removes what is stored under `id`; removing what is not there succeeds.
    pub fn delete(&self, id: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(id)?) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    fn path_of(&self, id: &str) -> io::Result<PathBuf> {
        let id = uuid::Uuid::try_parse(id)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a media id must be a UUID"))?;
        Ok(self.root.join(id.hyphenated().to_string()))
    }
}
