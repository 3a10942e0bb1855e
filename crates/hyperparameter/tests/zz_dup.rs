#![allow(missing_docs)]
#[test]
fn dup() {
    for t in [
        "a = 1\na = 2\n",
        "[t]\nx = 1\n[t]\ny = 2\n",
        "[t]\nx = 1\nx = 3\n",
        "t = {x = 1, x = 2}\n",
        "a.b = 1\na.b = 2\n",
        "[[t]]\n[t]\n",
        "a = 1\n[a]\n",
    ] {
        let e = hyperparameter::config::Config::from_str(
            t,
            hyperparameter::config::Format::Toml,
            "t.toml",
        )
        .unwrap_err();
        eprintln!("{t:?} => {e}");
        let e = toml::de::DeTable::parse(t).unwrap_err();
        eprintln!("   raw: {:?} span {:?}", e.message(), e.span());
    }
}
