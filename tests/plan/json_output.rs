//! `plan --format json` writes its actions a slice at a time on every core,
//! straight into the output between the brackets serde_json writes: the
//! bytes must be those of serialising the whole document in one go and
//! escaping it afterwards (`escape::json`), whatever the slices' sizes,
//! the masking and the characters in the values.

use resold::fixtures::{sample_domain_customer, sample_subscription};
use resold::model::PlanKind;
use resold::plan::Plan;
use resold::render::{self, RenderOptions};

use super::fixtures::*;

/// The one-go reference: the derived `Serialize` of the whole view,
/// pretty-printed, then made terminal-safe.
fn serialised_in_one_go(plan: &Plan, options: &RenderOptions) -> String {
    let view = render::json::view(plan, options);
    render::escape::json(&serde_json::to_string_pretty(&view).unwrap()) + "\n"
}

/// `size` new customers (four actions each), some with names that hold
/// characters a terminal acts on, among them joiners right after an
/// escape, where what is hidden depends on the character before.
fn new_customers(size: usize) -> Plan {
    let mut world = World::empty();
    world.desired = (0..size)
        .map(|i| {
            let organization = match i % 5 {
                0 => format!("Customer {i} \u{202e}BA"),
                1 => format!("Customer \"{i}\"\n\u{200d}AB"),
                2 => format!("Kund {i} \u{85}\u{1b}[31m AB"),
                _ => format!("Customer {i} AB"),
            };
            let mut c = sample_domain_customer(
                &format!("customer-{i:05}"),
                &organization,
                &format!("c{i}.se"),
            );
            c.subscriptions = vec![
                sample_subscription("business-standard", PlanKind::Flexible, 10),
                sample_subscription("vault", PlanKind::Flexible, 10),
            ];
            c
        })
        .collect();
    world.plan()
}

#[test]
fn parallel_actions_are_the_bytes_of_one_serialisation() {
    // Slices of 128 actions: fewer than one slice, one exactly, a ragged
    // end, and many slices per core.
    for size in [0, 1, 32, 33, 250, 1_000] {
        let plan = new_customers(size);
        assert_eq!(plan.actions.len(), size * 4);
        for mask_personal in [true, false] {
            let options = RenderOptions {
                mask_personal,
                ..RenderOptions::default()
            };
            let written = render::json::render(&plan, &options);
            assert!(
                written == serialised_in_one_go(&plan, &options),
                "{size} customers, masked {mask_personal}: the written JSON differs"
            );
        }
    }
}

#[test]
fn masked_paths_of_every_slice_are_listed_in_order() {
    let plan = new_customers(300);
    let json: serde_json::Value =
        serde_json::from_str(&render::json::render(&plan, &RenderOptions::default())).unwrap();
    let masked: Vec<&str> = json["masked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    // Every path points at a masked value, and they come in action order.
    let indexes: Vec<usize> = masked
        .iter()
        .filter_map(|p| p.strip_prefix("/actions/"))
        .map(|p| p.split('/').next().unwrap().parse().unwrap())
        .collect();
    assert!(!indexes.is_empty());
    assert!(indexes.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        indexes.last().unwrap() >= &(300 * 4 - 4),
        "the last slice's paths are listed"
    );
    for path in masked {
        assert_eq!(
            json.pointer(path),
            Some(&serde_json::json!("(personal data hidden)")),
            "{path}"
        );
    }
}

/// A reader that goes away (`plan --format json | head`) ends the write
/// with the pipe's own error, so the command can tell it from a failure.
#[test]
fn a_closed_output_is_reported_as_itself() {
    struct ClosedAfter(usize);
    impl std::io::Write for ClosedAfter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.0 < bytes.len() {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            self.0 -= bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let plan = new_customers(400);
    // Closed in the head, in the actions, and after them.
    for open_for in [10, 200_000, 1_000_000] {
        let error =
            render::json::write(&plan, &RenderOptions::default(), &mut ClosedAfter(open_for))
                .unwrap_err();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::BrokenPipe,
            "open for {open_for} bytes"
        );
    }
}
