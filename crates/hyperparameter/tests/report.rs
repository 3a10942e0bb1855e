//! The operative config from Rust: `get_param!`, `with_params!` `get`, `ParamScope::get`,
//! `from_params` and run-time key reads are recorded with the value returned, its source and
//! whether the default was used. One test, because the report is the process's.

use hyperparameter::*;

fn entry(key: &str) -> ReportEntry {
    report()
        .into_iter()
        .find(|e| e.key == key)
        .unwrap_or_else(|| panic!("`{key}` was not recorded"))
}

#[derive(serde::Deserialize)]
#[allow(dead_code)] // only read for the report
struct Optimizer {
    lr: f64,
    name: String,
}

fn read_in_a_loop() -> i64 {
    get_param!(rust_report.loop_key, 1i64)
}

#[test]
fn every_kind_of_rust_read_is_recorded() {
    clear_report();
    with_params! {
        set rust_report.lr = "0.25";
        get lr = rust_report.lr or 0.1;
        get epochs = rust_report.epochs or 3;
        assert_eq!((lr, epochs), (0.25, 3));
    }
    let lr = entry("rust_report.lr");
    assert_eq!(lr.value, Value::Float(0.25));
    assert!(!lr.default_used);
    assert!(matches!(lr.source, Source::Code { .. }), "{:?}", lr.source);
    let epochs = entry("rust_report.epochs");
    assert_eq!((epochs.value, epochs.default_used), (Value::Int(3), true));
    assert_eq!(epochs.source, Source::Default);

    // The first read wins; a later, different one is kept once, however often it happens.
    for _ in 0..3 {
        assert_eq!(read_in_a_loop(), 1);
        with_params! {
            set rust_report.loop_key = 2;
            assert_eq!(read_in_a_loop(), 2);
        }
    }
    let looped = entry("rust_report.loop_key");
    assert_eq!((looped.value, looped.default_used), (Value::Int(1), true));
    assert_eq!(looped.other_reads.len(), 1);
    assert_eq!(looped.other_reads[0].value, Value::Int(2));

    let scope = ParamScope::new().with("rust_report.width", 64).unwrap();
    assert_eq!(scope.get::<i64>("rust_report.width").unwrap(), Some(64));
    assert_eq!(entry("rust_report.width").value, Value::Int(64));

    assert_eq!(get_or_str("rust_report.runtime", "adam").unwrap(), "adam");
    assert_eq!(entry("rust_report.runtime").value, Value::from("adam"));

    with_params! {
        set rust_report.opt.lr = 0.5;
        set rust_report.opt.name = "sgd";
        let _: Optimizer = from_params("rust_report.opt").unwrap();
    }
    assert_eq!(entry("rust_report.opt.lr").value, Value::Float(0.5));
    assert_eq!(entry("rust_report.opt.name").value, Value::from("sgd"));

    // Reads in other threads are merged in.
    std::thread::spawn(|| get_param!(rust_report.threaded, 5u32))
        .join()
        .unwrap();
    assert_eq!(entry("rust_report.threaded").value, Value::Int(5));

    // Off, nothing is recorded; clearing forgets what was.
    assert!(report::set_recording(false));
    let _ = get_param!(rust_report.off, 1);
    assert!(!report::set_recording(true));
    assert!(report().iter().all(|e| e.key != "rust_report.off"));
    clear_report();
    assert!(report().is_empty());
    let _ = get_param!(rust_report.after_clear, 1);
    assert_eq!(entry("rust_report.after_clear").value, Value::Int(1));
}
