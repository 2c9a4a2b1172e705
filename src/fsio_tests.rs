//! fsio's three rules, on real files, links, FIFOs and sockets.

use std::os::unix::fs::symlink;

use super::*;

fn refused(result: io::Result<Vec<u8>>) -> String {
    let error = result.expect_err("must be refused");
    refusal(&error)
        .unwrap_or_else(|| panic!("not a refusal: {error}"))
        .to_string()
}

#[test]
fn a_file_renamed_into_place_while_it_is_read_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, "0".repeat(4096)).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (dir, path, stop) = (dir.path().to_path_buf(), path.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut round = 0_u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let next = dir.join(format!("next-{round}"));
                std::fs::write(&next, (round % 10).to_string().repeat(4096)).unwrap();
                std::fs::rename(&next, &path).unwrap();
                round += 1;
            }
        })
    };
    for _ in 0..300 {
        let bytes = read(&path, FileKind::State).unwrap();
        assert_eq!(bytes.len(), 4096);
        assert!(bytes.iter().all(|b| *b == bytes[0]), "one version, whole");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
}

#[test]
fn private_directories_are_0700() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("a/.resold");
    create_private_dir(&state).unwrap();
    for made in [&state, &dir.path().join("a")] {
        let mode = std::fs::metadata(made).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", made.display());
    }
}

#[test]
fn a_plain_file_and_a_link_inside_the_tree_are_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "a: 1\n").unwrap();
    symlink("a.yaml", dir.path().join("b.yaml")).unwrap();
    for name in ["a.yaml", "b.yaml"] {
        let bytes = read(&dir.path().join(name), FileKind::Manifest).unwrap();
        assert_eq!(bytes, b"a: 1\n");
    }
}

#[test]
fn links_out_of_the_tree_are_refused_naming_link_and_target() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret");
    std::fs::write(&secret, "TOKEN=hunter2\n").unwrap();
    let tree = tempfile::tempdir().unwrap();
    let sub = tree.path().join("customers");
    std::fs::create_dir(&sub).unwrap();
    symlink(&secret, sub.join("env.yaml")).unwrap();
    symlink("../../../../../../../../../etc/passwd", sub.join("up.yaml")).unwrap();
    symlink(outside.path(), sub.join("linked-dir")).unwrap();

    let message = refused(read_within(
        &sub.join("env.yaml"),
        tree.path(),
        FileKind::Manifest,
    ));
    assert!(
        message.contains("env.yaml` is a symbolic link to"),
        "{message}"
    );
    assert!(message.contains(&secret.display().to_string()), "{message}");
    assert!(!message.contains("hunter2"));
    let message = refused(read(&sub.join("up.yaml"), FileKind::Config));
    assert!(message.contains("../etc/passwd"), "{message}");
    let message = refused(read_within(
        &sub.join("linked-dir/secret"),
        tree.path(),
        FileKind::Manifest,
    ));
    assert!(
        message.contains("linked-dir` is a symbolic link"),
        "{message}"
    );
}

#[test]
fn only_a_plain_regular_file_below_the_tree_takes_the_short_way() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "TOKEN=x\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("customers");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("a.yaml"), "a: 1\n").unwrap();
    symlink("a.yaml", sub.join("b.yaml")).unwrap();
    symlink(outside.path(), sub.join("away")).unwrap();
    let fifo = sub.join("pipe.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let tree = Tree::resolved(dir.path());
    let (_, size) = open_beneath(&sub.join("a.yaml"), &tree).expect("the short way");
    assert_eq!(size, 5);
    for other in [
        sub.join("b.yaml"),
        sub.join("away/secret"),
        fifo,
        sub.join("../customers/a.yaml"),
        sub.join("none.yaml"),
    ] {
        assert!(
            open_beneath(&other, &tree).is_none(),
            "{} is left to the general path",
            other.display()
        );
    }
    // And the general path still reads the link and refuses the rest.
    assert_eq!(
        read_in(&sub.join("b.yaml"), &tree, FileKind::Manifest).unwrap(),
        b"a: 1\n"
    );
    assert!(
        refused(read_in(&sub.join("away/secret"), &tree, FileKind::Manifest))
            .contains("away` is a symbolic link")
    );
}

#[test]
fn link_loops_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    symlink("b", dir.path().join("a")).unwrap();
    symlink("a", dir.path().join("b")).unwrap();
    let message = refused(read(&dir.path().join("a"), FileKind::State));
    assert!(message.contains("never ends"), "{message}");
}

#[test]
fn special_files_are_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(refused(read(&fifo, FileKind::Manifest)).contains("named pipe"));
    assert!(refused(read(Path::new("/dev/zero"), FileKind::Manifest)).contains("a device"));
    assert!(refused(read(dir.path(), FileKind::Manifest)).contains("a directory"));
    let socket = dir.path().join("s.yaml");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    assert!(refused(read(&socket, FileKind::Manifest)).contains("a socket"));
}

#[test]
fn the_limit_counts_bytes_read() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.json");
    let limit = FileKind::ServiceAccountKey.limit();
    std::fs::write(&key, vec![b'x'; usize::try_from(limit).unwrap()]).unwrap();
    assert!(read(&key, FileKind::ServiceAccountKey).is_ok());
    std::fs::write(&key, vec![b'x'; usize::try_from(limit + 1).unwrap()]).unwrap();
    let error = read(&key, FileKind::ServiceAccountKey).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
}

#[test]
fn a_missing_file_stays_not_found_but_a_broken_link_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = read(&dir.path().join("none.json"), FileKind::State).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::NotFound);
    symlink("gone.json", dir.path().join("state.json")).unwrap();
    let message = refused(read(&dir.path().join("state.json"), FileKind::State));
    assert!(
        message.contains("to `gone.json`, which does not exist"),
        "{message}"
    );
}
