//! The operative config: which keys the program read, what each read returned, where that
//! value came from, and whether it was the caller's default.
//!
//! Every typed or raw read of the store, from Rust, Python or C++, is recorded here; the
//! record is merged across threads by [`report`]. A program run again with the report saved
//! as a config file reads the same values.
//!
//! # What is kept
//! One [`ReportEntry`] per key. Its `value` is what the **first** read of the key returned;
//! a later read that returned something else (another value, source or default) is kept in
//! [`ReportEntry::other_reads`], each distinct read once, in the order they first happened
//! (at most [`MAX_READS_PER_KEY`] per key and thread).
//! The value is the one after conversion: `-D lr=0.1` read as a float is recorded as the
//! float `0.1`, not as the text.
//!
//! # Why recording costs a read almost nothing
//! A read must not pay for a lock, an allocation or a hash lookup. So a stored [`Entry`]
//! carries a [`ReadMark`]: the recording *epoch* and the kinds of read (raw, bool, int, float,
//! text) recorded from it in that epoch. A read of a present key compares that mark with the
//! current epoch and its own kind (two loads of memory the read touched anyway) and records
//! only when they differ;
//! the record itself (a lock of this thread's own buffer, and an allocation the first time a
//! key is seen) runs out of line. A read that takes the default has no entry to mark:
//! a macro read site marks its own [`ReadSite`], and other reads (run-time keys, Python,
//! the C ABI) check a small per-thread table of the defaults they recorded last.
//! [`clear_report`] (and switching recording back on) starts a new epoch, which makes every
//! mark stale.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
    Ordering::SeqCst,
};
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::{write_config, Format, WriteItem};
use crate::convert::{convert, Target};
use crate::{Entry, Source, Text, Value};

/// The kind of read, as a mark records it: a read converting to another type returns
/// another value from the same entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ReadKind {
    /// The value as stored (no default, or a default of no convertible type).
    Raw = 1,
    /// Converted to bool.
    Bool = 2,
    /// Converted to a 64-bit integer (or a narrower one).
    Int = 3,
    /// Converted to a float.
    Float = 4,
    /// Converted to text.
    Str = 5,
    /// Converted by a front end to a type of its own (a Python `Enum` or `Path`): the value
    /// as stored is recorded.
    Other = 6,
}

impl ReadKind {
    /// The kind of a read converting to `target` (`None`: as stored).
    pub const fn of(target: Option<Target>) -> ReadKind {
        match target {
            None => ReadKind::Raw,
            Some(Target::Bool) => ReadKind::Bool,
            Some(Target::Int) => ReadKind::Int,
            Some(Target::Float) => ReadKind::Float,
            Some(Target::Str) => ReadKind::Str,
        }
    }

    fn target(self) -> Option<Target> {
        match self {
            ReadKind::Bool => Some(Target::Bool),
            ReadKind::Int => Some(Target::Int),
            ReadKind::Float => Some(Target::Float),
            ReadKind::Str => Some(Target::Str),
            ReadKind::Raw | ReadKind::Other => None,
        }
    }
}

/// A mark holds one bit per kind of read in its low bits, and the epoch above them.
const EPOCH_STEP: u32 = 1 << 7;

/// The bits of a mark that hold the epoch.
const EPOCH_BITS: u32 = !(EPOCH_STEP - 1);

/// The current epoch, in the bits above a mark's kinds. Never 0, so a fresh mark is stale.
static EPOCH: AtomicU32 = AtomicU32::new(EPOCH_STEP);

static RECORDING: AtomicBool = AtomicBool::new(true);

/// Order of first recording across threads.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The epoch in which an entry was last recorded and the kinds of read recorded then (see
/// the module docs). Copied with the entry, and ignored when entries are compared.
#[derive(Default)]
pub struct ReadMark(AtomicU32);

impl Clone for ReadMark {
    fn clone(&self) -> ReadMark {
        ReadMark(AtomicU32::new(self.0.load(Relaxed)))
    }
}

impl PartialEq for ReadMark {
    fn eq(&self, _: &ReadMark) -> bool {
        true
    }
}

impl fmt::Debug for ReadMark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReadMark")
    }
}

/// A read site's mark for its default: set once the default it reads with was recorded in
/// the current epoch. The macros put one beside each read.
pub struct ReadSite(AtomicU32);

impl ReadSite {
    /// A site that has recorded nothing.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> ReadSite {
        ReadSite(AtomicU32::new(0))
    }
}

/// Records that `entry` (stored under `key`) was read as `kind`, unless that read is
/// recorded already in this epoch.
#[inline(always)]
pub fn note_entry(entry: &Entry, kind: ReadKind) {
    let epoch = EPOCH.load(Relaxed);
    let bit = 1u32 << (kind as u32);
    if entry.read_mark.0.load(Relaxed) & (EPOCH_BITS | bit) != epoch | bit {
        note_entry_cold(entry, kind, epoch, bit);
    }
}

#[cold]
#[inline(never)]
fn note_entry_cold(entry: &Entry, kind: ReadKind, epoch: u32, bit: u32) {
    // Switched off, the entry is marked all the same, so that its next read is fast again;
    // switching recording on starts a new epoch.
    if RECORDING.load(Relaxed) {
        let value = match kind.target() {
            Some(target) => convert(&entry.value, target).unwrap_or_else(|_| entry.value.clone()),
            None => entry.value.clone(),
        };
        record(entry.key.as_str(), value, entry.source.clone(), false);
    }
    if !marks_kept(epoch) {
        return;
    }
    let mark = entry.read_mark.0.load(Relaxed);
    let kinds = if mark & EPOCH_BITS == epoch {
        mark
    } else {
        epoch
    };
    entry.read_mark.0.store(kinds | bit, Relaxed);
}

/// Whether a read at `site` that returned its default needs no recording: recorded in
/// this epoch already. When it does, call [`record_default_at`].
#[inline(always)]
pub fn default_recorded_at(site: &ReadSite) -> bool {
    site.0.load(Relaxed) == EPOCH.load(Relaxed)
}

/// Records that a read at `site` of the absent `key` returned `default` (see
/// [`default_recorded_at`]); switched off, only marks the site.
#[cold]
#[inline(never)]
pub fn record_default_at(site: &ReadSite, key: &Text, default: Value) {
    let epoch = EPOCH.load(Relaxed);
    if RECORDING.load(Relaxed) {
        record(key.as_str(), default, Source::Default, true);
    }
    if marks_kept(epoch) {
        site.0.store(epoch, Relaxed);
    }
}

/// Slots of the per-thread table of recorded defaults: (key hash, fingerprint, epoch).
const DEFAULT_SLOTS: usize = 64;

thread_local! {
    static RECENT_DEFAULTS: [Cell<(u64, u64, u32)>; DEFAULT_SLOTS] =
        const { [const { Cell::new((0, 0, 0)) }; DEFAULT_SLOTS] };
    static THIS_THREAD: OnceCell<Arc<Mutex<Reads>>> = const { OnceCell::new() };
    static COLLECTORS: RefCell<Vec<Reads>> = const { RefCell::new(Vec::new()) };
}

/// How many collections ([`begin_collecting`]) are open, in all threads. While any is, the
/// out-of-line record leaves entry and site marks stale, so that every read reaches
/// [`record`] and each collection sees its own thread's reads even of entries another
/// thread read first; a read's inline check is unchanged.
static COLLECTING: AtomicU32 = AtomicU32::new(0);

/// Whether a record made in `epoch` may mark its entry or site: not while a collection is
/// open. A thread that sees the epoch [`begin_collecting`] started sees the collection too.
fn marks_kept(epoch: u32) -> bool {
    EPOCH.load(Acquire) == epoch && COLLECTING.load(Relaxed) == 0
}

/// Starts collecting this thread's reads apart from the process-wide [`report`]: until the
/// matching [`end_collecting`], every read this thread records (from Rust, Python or C++)
/// is also kept in a record of its own (one trial of a study running in its own thread,
/// say). Collections nest; an inner one's reads are in the outer one too. Nothing is
/// collected while [`set_recording`] has turned recording off.
pub fn begin_collecting() {
    COLLECTING.fetch_add(1, SeqCst);
    // Marks set before now would skip this collection's first reads: make them stale.
    EPOCH.fetch_add(EPOCH_STEP, Release);
    COLLECTORS.with(|open| open.borrow_mut().push(Reads::default()));
}

/// Ends this thread's innermost collection ([`begin_collecting`]) and returns its reads as
/// [`report`] gives them: one entry per key, sorted by key. Empty when none is open.
pub fn end_collecting() -> Vec<ReportEntry> {
    let Some(reads) = COLLECTORS.with(|open| open.borrow_mut().pop()) else {
        return Vec::new();
    };
    COLLECTING.fetch_sub(1, Relaxed);
    let mut merged: HashMap<String, Vec<(u64, Read)>> = HashMap::new();
    for (key, list) in reads.keys {
        let into = merged.entry(key.into()).or_default();
        into.extend(list.into_iter().map(|r| (r.sequence, r.read)));
    }
    entries_of(merged)
}

/// Records that a read of the absent `key` (its text, hashed to `hash`) returned a default whose
/// [`fingerprint`] is `fingerprint`, made by `default` only when it is recorded. For reads
/// without a [`ReadSite`]: a small per-thread table skips defaults recorded already.
#[inline(never)]
pub fn note_default(hash: u64, key: &[u8], fingerprint: u64, default: impl FnOnce() -> Value) {
    if !RECORDING.load(Relaxed) {
        return;
    }
    let epoch = EPOCH.load(Relaxed);
    let seen = RECENT_DEFAULTS
        .try_with(|slots| {
            let slot = &slots[(hash as usize) % DEFAULT_SLOTS];
            if slot.get() == (hash, fingerprint, epoch) {
                return true;
            }
            slot.set((hash, fingerprint, epoch));
            false
        })
        .unwrap_or(false);
    if !seen {
        note_default_cold(key, default);
    }
}

#[cold]
#[inline(never)]
fn note_default_cold(key: &[u8], default: impl FnOnce() -> Value) {
    // Text that is not UTF-8 is no key: the read missed, and nothing is recorded.
    if let Ok(key) = std::str::from_utf8(key) {
        record(key, default(), Source::Default, true);
    }
}

/// A cheap summary of a default for [`note_default`]: equal values give equal fingerprints,
/// and different scalars different ones.
#[inline]
pub fn fingerprint(value: &Value) -> u64 {
    match value {
        Value::Null => 1,
        Value::Bool(b) => 2 + u64::from(*b),
        Value::Int(i) => (*i as u64).rotate_left(3) ^ 0x5,
        Value::Float(x) => x.to_bits().rotate_left(7) ^ 0x9,
        Value::Str(s) => text_fingerprint(s),
        other => crate::xxh64(other.to_string().as_bytes(), 11),
    }
}

/// [`fingerprint`] of a text value, from the text.
pub fn text_fingerprint(text: &str) -> u64 {
    crate::xxh64(text.as_bytes(), 7)
}

/// One distinct read of a key.
#[derive(Clone, Debug, PartialEq)]
pub struct Read {
    /// The value the read returned, after conversion.
    pub value: Value,
    /// Where the value came from ([`Source::Default`] for a default).
    pub source: Source,
    /// Whether the key was absent and the read returned the caller's default.
    pub default_used: bool,
}

struct Recorded {
    read: Read,
    sequence: u64,
}

/// One thread's reads, by key text.
#[derive(Default)]
struct Reads {
    keys: HashMap<Box<str>, Vec<Recorded>>,
}

/// At most this many distinct reads of one key are kept per thread (a loop reading a key
/// under a new value each time must not grow the record without bound).
pub const MAX_READS_PER_KEY: usize = 32;

/// The buffers of every thread that recorded something (a thread's buffer outlives it, so
/// the reads of finished threads are reported too).
static THREADS: Mutex<Vec<Arc<Mutex<Reads>>>> = Mutex::new(Vec::new());

fn record(key: &str, value: Value, source: Source, default_used: bool) {
    let read = Read {
        value,
        source,
        default_used,
    };
    let _ = COLLECTORS.try_with(|open| {
        for reads in open.borrow_mut().iter_mut() {
            add(reads, key, &read);
        }
    });
    let recorded = THIS_THREAD.try_with(|mine| {
        let buffer = mine.get_or_init(|| {
            let buffer = Arc::<Mutex<Reads>>::default();
            THREADS
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(buffer.clone());
            buffer
        });
        add(
            &mut buffer.lock().unwrap_or_else(PoisonError::into_inner),
            key,
            &read,
        );
    });
    if recorded.is_err() {
        // The thread is ending and its buffer is gone: record into a buffer of its own.
        let mut reads = Reads::default();
        add(&mut reads, key, &read);
        THREADS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::new(Mutex::new(reads)));
    }
}

fn add(reads: &mut Reads, key: &str, read: &Read) {
    let list = match reads.keys.get_mut(key) {
        Some(list) => list,
        None => reads.keys.entry(key.into()).or_default(),
    };
    if list.len() < MAX_READS_PER_KEY && list.iter().all(|seen| seen.read != *read) {
        list.push(Recorded {
            read: read.clone(),
            sequence: SEQUENCE.fetch_add(1, Relaxed),
        });
    }
}

/// What the program read of one key: see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportEntry {
    /// The key.
    pub key: String,
    /// What the first read returned.
    pub value: Value,
    /// Where that value came from.
    pub source: Source,
    /// Whether the first read returned the caller's default.
    pub default_used: bool,
    /// Later reads that returned something else, each once, in order.
    pub other_reads: Vec<Read>,
}

/// The operative config: every key read so far in this process (by any thread, from any
/// language), sorted by key.
///
/// ```
/// use hyperparameter::*;
///
/// with_params! {
///     set report_doc.lr = 0.5;
///     get lr = report_doc.lr or 0.1;
///     get epochs = report_doc.epochs or 3;
///     assert_eq!((lr, epochs), (0.5, 3));
/// }
/// let report = report();
/// let lr = report.iter().find(|e| e.key == "report_doc.lr").unwrap();
/// assert_eq!((&lr.value, lr.default_used), (&Value::Float(0.5), false));
/// let epochs = report.iter().find(|e| e.key == "report_doc.epochs").unwrap();
/// assert_eq!((&epochs.value, epochs.default_used), (&Value::Int(3), true));
/// ```
pub fn report() -> Vec<ReportEntry> {
    let buffers: Vec<Arc<Mutex<Reads>>> = THREADS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let mut merged: HashMap<String, Vec<(u64, Read)>> = HashMap::new();
    for buffer in buffers {
        let reads = buffer.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, list) in &reads.keys {
            let into = merged.entry(key.to_string()).or_default();
            into.extend(list.iter().map(|r| (r.sequence, r.read.clone())));
        }
    }
    entries_of(merged)
}

/// Reads by key (with their order of recording) as report entries, sorted by key.
fn entries_of(merged: HashMap<String, Vec<(u64, Read)>>) -> Vec<ReportEntry> {
    let mut entries: Vec<ReportEntry> = merged
        .into_iter()
        .filter_map(|(key, mut reads)| {
            reads.sort_by_key(|(sequence, _)| *sequence);
            let mut distinct: Vec<Read> = Vec::with_capacity(reads.len());
            for (_, read) in reads {
                if !distinct.contains(&read) {
                    distinct.push(read);
                }
            }
            let mut distinct = distinct.into_iter();
            let first = distinct.next()?;
            Some(ReportEntry {
                key,
                value: first.value,
                source: first.source,
                default_used: first.default_used,
                other_reads: distinct.collect(),
            })
        })
        .collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    entries
}

/// The comment lines at the top of a saved report.
pub const SAVED_HEADER: &str =
    "The operative config of a run: every parameter it read, with the value the first read\n\
     returned. Run the program with -C <this file> to read the same values again.";

/// The report as a config file of `format`: each key's first value, its source as a comment
/// above it (TOML and YAML), and [`SAVED_HEADER`] at the top. Loading it gives every key
/// its value back with its type.
///
/// # Errors
/// [`crate::Error::Conversion`] naming the key of a value the format cannot hold (null in
/// TOML, NaN in JSON, an object of a front end).
pub fn render_report(format: Format) -> crate::Result<String> {
    let items: Vec<WriteItem> = report()
        .into_iter()
        .map(|entry| {
            let mut comment = entry.source.to_string();
            if !entry.other_reads.is_empty() {
                let others: Vec<String> = entry
                    .other_reads
                    .iter()
                    .map(|r| r.value.describe())
                    .collect();
                comment.push_str(&format!("; later reads returned {}", others.join(", ")));
            }
            WriteItem {
                key: entry.key,
                value: entry.value,
                comment: Some(comment),
            }
        })
        .collect();
    write_config(format, &items, SAVED_HEADER)
}

/// Writes the report to `path` as TOML, YAML or JSON by its extension (see
/// [`render_report`]); nothing is written when it cannot be.
///
/// # Errors
/// [`crate::Error::Parse`] naming the file for an extension that is no config format or a
/// failure to write, and the errors of [`render_report`].
pub fn save_report(path: impl AsRef<std::path::Path>) -> crate::Result<()> {
    let path = path.as_ref();
    let text = render_report(Format::from_path(path)?)?;
    std::fs::write(path, text).map_err(|err| crate::Error::Parse {
        file: path.display().to_string(),
        line: 0,
        col: 0,
        msg: format!("cannot write the report: {err}"),
    })
}

/// Forgets every read recorded so far (in every thread), so that [`report`] covers what is
/// read from now on (one trial of a study, say).
pub fn clear_report() {
    let buffers = THREADS.lock().unwrap_or_else(PoisonError::into_inner);
    EPOCH.fetch_add(EPOCH_STEP, Relaxed);
    for buffer in buffers.iter() {
        buffer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys
            .clear();
    }
}

/// Turns recording on or off for the whole process, returning whether it was on. While
/// it is off, reads record nothing (they still check their mark, so a read costs the
/// same); what was recorded stays.
pub fn set_recording(on: bool) -> bool {
    let before = RECORDING.swap(on, Relaxed);
    if on && !before {
        // Marks set while recording was off recorded nothing: make them stale.
        EPOCH.fetch_add(EPOCH_STEP, Relaxed);
    }
    before
}

/// Whether reads are being recorded (on unless [`set_recording`] turned it off).
pub fn recording() -> bool {
    RECORDING.load(Relaxed)
}
