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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn temp_root() -> PathBuf {
        std::env::temp_dir().join("yishi-tests").join(format!("media-{}", uuid::Uuid::now_v7().simple()))
    }

    #[test]
    fn store_round_trips_and_refuses_paths() {
        let root = temp_root();
        let store = MediaStore::open(&root).unwrap();
        let id = uuid::Uuid::now_v7().to_string();
        assert_eq!(store.get(&id).unwrap(), None);
        store.put(&id, b"first").unwrap();
        store.put(&id, b"second").unwrap();
        assert_eq!(store.get(&id).unwrap().as_deref(), Some(b"second".as_slice()));
        assert_eq!(store.get(&id.to_uppercase()).unwrap().as_deref(), Some(b"second".as_slice()));
        // Only the file under the id remains: no temporary files are left behind.
        assert_eq!(fs::read_dir(&root).unwrap().count(), 1);
        store.delete(&id).unwrap();
        assert_eq!(store.get(&id).unwrap(), None);
        store.delete(&id).unwrap();

        for bad in ["../etc/passwd", "/etc/passwd", "", "..", "a/b", "0192f1b2-0000-7000-8000-00000000000/"] {
            assert_eq!(store.put(bad, b"x").unwrap_err().kind(), io::ErrorKind::InvalidInput, "{bad}");
            assert_eq!(store.get(bad).unwrap_err().kind(), io::ErrorKind::InvalidInput, "{bad}");
            assert_eq!(store.delete(bad).unwrap_err().kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0);
        fs::remove_dir_all(&root).unwrap();
    }
}
