//! A Rust program started from a Python process that froze a snapshot begins from it. One
//! test only: the store reads the environment variable once, at its first use.

use hyperparameter::inherit::SNAPSHOT_VARIABLE;
use hyperparameter::{get_entry, get_or, Key};

#[test]
fn the_first_use_of_the_store_reads_the_inherited_snapshot() {
    let document = r#"{"format":"hyperparameter-snapshot/1","values":[
        ["train.lr",{"float":"0.01"}],["train.epochs",{"int":"3"}],["train.name","run"],
        ["model.shape",{"pickle":"gASVBwAAAAAAAABLA0sEhpQu"}]]}"#;
    let path = std::env::temp_dir().join(format!("hp-inherit-test-{}.json", std::process::id()));
    std::fs::write(&path, document).unwrap();
    // The test binary has no other thread using the environment at this point.
    std::env::set_var(SNAPSHOT_VARIABLE, format!("file:{}", path.display()));

    assert_eq!(get_or(&Key::new("train.lr").unwrap(), 0.1).unwrap(), 0.01);
    assert_eq!(get_or(&Key::new("train.epochs").unwrap(), 1).unwrap(), 3);
    assert_eq!(
        get_or(&Key::new("train.name").unwrap(), "x").unwrap(),
        "run"
    );
    // A pickled Python object is a value of another language here: a typed read is an error.
    let shape = Key::new("model.shape").unwrap();
    assert!(get_or(&shape, 0).is_err());
    let entry = get_entry(&shape).unwrap();
    assert_eq!(entry.value.type_name(), "Python object");
    assert_eq!(
        entry.source.to_string(),
        "environment variable HYPERPARAMETER_SNAPSHOT"
    );
    // Threads start from it too.
    let lr = std::thread::spawn(|| get_or(&Key::new("train.lr").unwrap(), 0.1).unwrap());
    assert_eq!(lr.join().unwrap(), 0.01);
    std::fs::remove_file(path).unwrap();
}
