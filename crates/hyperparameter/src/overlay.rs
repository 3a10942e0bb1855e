//! [`Overlay`]: the hash table behind a thread's view, tuned for the read path.
//!
//! It maps a key hash to the position of the winning entry in the cursor's entry stack (see
//! [`crate::storage`]). Keys are key hashes (already well mixed xxh64 values), so a slot is
//! chosen by masking the hash, and collisions are resolved by linear probing. A read that
//! hits loads the one 16-byte slot the hash selects and compares its hash, a handful of
//! instructions (a general-purpose table such as `hashbrown` spends several times that on
//! its control bytes, measured with callgrind). Slots are small, so moving them is cheap.
//! Removal shifts the following run back (no tombstones), so a table that sees millions of
//! enter/exit cycles never degrades.

/// Marks an empty slot in the hash array. A key whose hash is 0 is stored under 1 instead;
/// its key text still tells it apart from a key that really hashes to 1.
const EMPTY: u64 = 0;

/// The smallest number of slots of a table that holds anything.
const MIN_SLOTS: usize = 16;

/// A position found by [`Overlay::find`].
pub(crate) enum Found {
    /// The key's slot, with the entry position stored there.
    Occupied { slot: usize, position: u32 },
    /// The slot where the key would go.
    Vacant { slot: usize },
}

/// Open-addressing table from key hash to entry position. See the module docs.
#[derive(Clone, Default)]
pub(crate) struct Overlay {
    /// Stored hash (or [`EMPTY`]) and entry position of every slot; the length is a power
    /// of two, or 0 before the first insertion.
    slots: Vec<(u64, u32)>,
    len: usize,
}

#[inline(always)]
fn stored(hash: u64) -> u64 {
    if hash == EMPTY {
        1
    } else {
        hash
    }
}

impl Overlay {
    #[inline(always)]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The entry position stored for `hash`, if any.
    #[inline(always)]
    pub(crate) fn get(&self, hash: u64) -> Option<u32> {
        let wanted = stored(hash);
        let mask = self.mask();
        // Truncation is intended: the low bits select the slot. An empty table has no
        // slots, so the first `get` already answers `None`.
        let mut slot = wanted as usize & mask;
        loop {
            let (here, position) = *self.slots.get(slot)?;
            if here == wanted {
                return Some(position);
            }
            if here == EMPTY {
                return None;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Where `hash` is, or where it would be inserted. Makes room for one more entry first,
    /// so a vacant slot can be filled with [`Overlay::fill`].
    #[inline]
    pub(crate) fn find(&mut self, hash: u64) -> Found {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let wanted = stored(hash);
        let mask = self.mask();
        let mut slot = wanted as usize & mask;
        loop {
            let (here, position) = self.slots[slot];
            if here == wanted {
                return Found::Occupied { slot, position };
            }
            if here == EMPTY {
                return Found::Vacant { slot };
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Stores `position` in a slot [`Overlay::find`] reported occupied.
    #[inline]
    pub(crate) fn set(&mut self, slot: usize, position: u32) {
        self.slots[slot].1 = position;
    }

    /// Fills a vacant slot [`Overlay::find`] just returned for `hash`.
    #[inline]
    pub(crate) fn fill(&mut self, slot: usize, hash: u64, position: u32) {
        self.slots[slot] = (stored(hash), position);
        self.len += 1;
    }

    /// Stores `position` for `hash`, replacing what was there.
    pub(crate) fn insert(&mut self, hash: u64, position: u32) -> Option<u32> {
        match self.find(hash) {
            Found::Occupied {
                slot,
                position: old,
            } => {
                self.set(slot, position);
                Some(old)
            }
            Found::Vacant { slot } => {
                self.fill(slot, hash, position);
                None
            }
        }
    }

    /// Stores `position` for `hash` again, when leaving a level that shadowed it: the key is
    /// in the table then, so this is a probe and a store, without the growth check and the
    /// vacant case of [`Overlay::insert`] (inlined into the exit path).
    #[inline]
    pub(crate) fn restore(&mut self, hash: u64, position: u32) {
        let wanted = stored(hash);
        let mask = self.mask();
        let mut slot = wanted as usize & mask;
        loop {
            match self.slots.get(slot) {
                Some(&(here, _)) if here == wanted => {
                    self.slots[slot].1 = position;
                    return;
                }
                Some(&(here, _)) if here != EMPTY => slot = (slot + 1) & mask,
                // Not there (a broken invariant): insert it, so the view stays right.
                _ => {
                    self.insert(hash, position);
                    return;
                }
            }
        }
    }

    /// Removes `hash`, shifting the rest of its probe run back.
    pub(crate) fn remove(&mut self, hash: u64) {
        if self.len == 0 {
            return;
        }
        let wanted = stored(hash);
        let mask = self.mask();
        let mut hole = wanted as usize & mask;
        loop {
            let here = self.slots[hole].0;
            if here == wanted {
                break;
            }
            if here == EMPTY {
                return;
            }
            hole = (hole + 1) & mask;
        }
        self.slots[hole].0 = EMPTY;
        self.len -= 1;
        // Backward shift: move later members of the run into the hole when the hole lies
        // between their home slot and where they are now.
        let mut slot = hole;
        loop {
            slot = (slot + 1) & mask;
            let here = self.slots[slot].0;
            if here == EMPTY {
                break;
            }
            let home = here as usize & mask;
            if hole.wrapping_sub(home) & mask <= slot.wrapping_sub(home) & mask {
                self.slots[hole] = self.slots[slot];
                self.slots[slot].0 = EMPTY;
                hole = slot;
            }
        }
    }

    /// Every stored entry position, in no particular order.
    pub(crate) fn positions(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .filter(|(hash, _)| *hash != EMPTY)
            .map(|(_, position)| *position)
    }

    /// Removes everything, keeping the allocation.
    pub(crate) fn clear(&mut self) {
        if self.len > 0 {
            self.slots.fill((EMPTY, 0));
            self.len = 0;
        }
    }

    /// Doubles the table. Out of line, so that [`Overlay::find`] stays small enough to inline
    /// into the write and exit paths (inlined, the growth made it a call with a full
    /// register save, measured with callgrind).
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let count = (self.slots.len() * 2).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![(EMPTY, 0); count]);
        let mask = count - 1;
        for (hash, position) in old {
            if hash == EMPTY {
                continue;
            }
            let mut slot = hash as usize & mask;
            while self.slots[slot].0 != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = (hash, position);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u32),
        Restore(u64, u32),
        Remove(u64),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few distinct low bits, so probe runs form, wrap around and get shifted back; 0 and
        // 1 are among the hashes.
        let hash = (0u64..4, 0u64..40).prop_map(|(high, low)| (high << 60) | low);
        prop_oneof![
            4 => (hash.clone(), any::<u32>()).prop_map(|(h, p)| Op::Insert(h, p)),
            2 => (hash.clone(), any::<u32>()).prop_map(|(h, p)| Op::Restore(h, p)),
            3 => hash.prop_map(Op::Remove),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_map(ops in prop::collection::vec(op(), 0..200)) {
            let mut table = Overlay::default();
            let mut model: HashMap<u64, u32> = HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(hash, position) => {
                        // 0 and 1 share a slot: the model keeps them apart by key text.
                        let key = stored(hash);
                        prop_assert_eq!(table.insert(hash, position), model.insert(key, position));
                    }
                    // `restore` is for keys in the table; for others it inserts.
                    Op::Restore(hash, position) => {
                        table.restore(hash, position);
                        model.insert(stored(hash), position);
                    }
                    Op::Remove(hash) => {
                        table.remove(hash);
                        model.remove(&stored(hash));
                    }
                    Op::Clear => {
                        table.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(table.len, model.len());
                for (hash, position) in &model {
                    prop_assert_eq!(table.get(*hash), Some(*position));
                }
                let mut all: Vec<u32> = table.positions().collect();
                let mut expected: Vec<u32> = model.values().copied().collect();
                all.sort_unstable();
                expected.sort_unstable();
                prop_assert_eq!(all, expected);
            }
        }
    }
}
