//! `liaison segment …` as a process over a workspace whose cache holds a few people.

mod common;

use common::{json, run};

#[test]
fn segments_are_created_counted_listed_and_deleted_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    json(&run(d, &["--json", "activate", "--name", "Ada", "--email", "ada@example.com"], ""));
    let db = rusqlite::Connection::open(d.join("liaison.db")).unwrap();
    for (email, country) in [("a@example.jp", "Japan"), ("b@example.jp", "japan"), ("c@example.fr", "France")] {
        db.execute("INSERT INTO people (email_key, email, country) VALUES (?1, ?1, ?2)", [email, country]).unwrap();
    }
    drop(db);

    let created = run(d, &["segment", "create", "Japan", "--rule", "country is Japan"], "");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("2 people match"));
    let count = json(&run(d, &["--json", "segment", "count", "japan"], ""));
    assert_eq!(count["count"], 2);
    assert_eq!(count["sample"].as_array().unwrap().len(), 2);
    json(&run(
        d,
        &[
            "--json",
            "segment",
            "create",
            "Anyone",
            "--match",
            "any",
            "--rule",
            "country is France",
            "--rule",
            "email ends with .jp",
        ],
        "",
    ));
    assert_eq!(json(&run(d, &["--json", "segment", "count", "Anyone"], ""))["count"], 3);
    assert_eq!(json(&run(d, &["--json", "segment", "list"], "")).as_array().unwrap().len(), 2);

    let bad = run(d, &["segment", "create", "Shoes", "--rule", "shoe_size is 42"], "");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("shoe_size"), "{bad:?}");
    let unreadable = run(d, &["segment", "create", "Odd", "--rule", "country resembles Japan"], "");
    assert_eq!(unreadable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unreadable.stderr).contains("FIELD OPERATOR VALUE"), "{unreadable:?}");

    json(&run(d, &["--json", "segment", "delete", "japan"], ""));
    assert_eq!(run(d, &["segment", "count", "Japan"], "").status.code(), Some(2));
}
