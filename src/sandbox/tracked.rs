//! A map that remembers which keys were touched since it was last asked,
//! so persistence can log a mutation's change instead of the whole world.
//! Reads go through `Deref`; every way to change an entry is a method here
//! (there is no `DerefMut`), so a change cannot slip past the record.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone)]
pub struct Tracked<V> {
    entries: BTreeMap<String, V>,
    touched: BTreeSet<String>,
}

impl<V> Default for Tracked<V> {
    fn default() -> Self {
        Tracked {
            entries: BTreeMap::new(),
            touched: BTreeSet::new(),
        }
    }
}

impl<V> Deref for Tracked<V> {
    type Target = BTreeMap<String, V>;

    fn deref(&self) -> &BTreeMap<String, V> {
        &self.entries
    }
}

impl<V: Default> Tracked<V> {
    /// The entry for `key`, made with its default value if missing.
    pub fn entry_or_default(&mut self, key: String) -> &mut V {
        self.touched.insert(key.clone());
        self.entries.entry(key).or_default()
    }
}

impl<V> Tracked<V> {
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let value = self.entries.get_mut(key)?;
        self.touched.insert(key.to_string());
        Some(value)
    }

    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.touched.insert(key.clone());
        self.entries.insert(key, value)
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        let removed = self.entries.remove(key);
        if removed.is_some() {
            self.touched.insert(key.to_string());
        }
        removed
    }

    /// Every value, each counted as touched.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.touched.extend(self.entries.keys().cloned());
        self.entries.values_mut()
    }

    /// The keys touched since the last call, with their values now (`None`:
    /// removed).
    pub fn take_touched(&mut self) -> Vec<(String, Option<&V>)> {
        let touched = std::mem::take(&mut self.touched);
        touched
            .into_iter()
            .map(|key| {
                let value = self.entries.get(&key);
                (key, value)
            })
            .collect()
    }

    /// Forgets what was touched (a change that is not persisted).
    pub fn forget_touched(&mut self) {
        self.touched.clear();
    }

    /// Applies a logged change without recording it again.
    pub fn restore(&mut self, key: String, value: Option<V>) {
        match value {
            Some(value) => {
                self.entries.insert(key, value);
            }
            None => {
                self.entries.remove(&key);
            }
        }
    }
}

impl<V: Serialize> Serialize for Tracked<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(serializer)
    }
}

impl<'de, V: DeserializeOwned> Deserialize<'de> for Tracked<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Tracked {
            entries: BTreeMap::deserialize(deserializer)?,
            touched: BTreeSet::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_is_remembered_once_and_reads_are_not() {
        let mut map: Tracked<u32> = Tracked::default();
        map.insert("a".into(), 1);
        map.insert("b".into(), 2);
        let touched: Vec<_> = map.take_touched();
        assert_eq!(
            touched,
            vec![("a".into(), Some(&1)), ("b".into(), Some(&2))]
        );
        assert_eq!(map.get("a"), Some(&1));
        assert!(map.take_touched().is_empty(), "a read is no change");
        *map.get_mut("a").unwrap() = 5;
        map.remove("b");
        map.remove("never");
        assert_eq!(
            map.take_touched(),
            vec![("a".into(), Some(&5)), ("b".into(), None)]
        );
        map.restore("c".into(), Some(3));
        assert!(map.take_touched().is_empty());
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"a":5,"c":3}"#);
    }
}
