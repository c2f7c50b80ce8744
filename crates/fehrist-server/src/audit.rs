//! The service's audit trail, bounded however many requests come.
//!
//! A request with a valid token that is allowed is one event, queued to the writer. A
//! request without a valid token, or one refused, costs its sender nothing, and an
//! event can never be removed from the signed log again: such requests are tallied per
//! client (address, actor, outcome) over a window, and each window becomes one event
//! per client with the number of requests it stands for. A client without a valid
//! token that sends more than its share in a window is answered 429 (and still
//! counted). The tally holds a bounded number of clients; past that, the rest are
//! counted together as one. Image requests of a sheet by a signed-in caller (the tiles
//! a viewer asks for as it zooms, dozens a second) are tallied the same way, per sheet:
//! each window of them is one event of the sheet with their count.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::Duration;

use fehrist_model::{AuditEvent, AuditOutcome};

/// How the service bounds its audit trail and what it lets anonymous clients do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditLimits {
    /// Requests without a valid token, and refused ones, are tallied over this window.
    pub window: Duration,
    /// Requests without a valid token one client address may make in a window; later
    /// ones are answered 429.
    pub anonymous_per_window: u64,
    /// Client addresses tallied apart in one window; the rest are tallied together.
    pub clients: usize,
    /// Events waiting for the writer; a request whose event finds the queue full waits
    /// for room, and is answered 503 if none comes in `queue_wait`.
    pub queue: usize,
    pub queue_wait: Duration,
}

impl Default for AuditLimits {
    fn default() -> Self {
        AuditLimits {
            window: Duration::from_secs(10),
            anonymous_per_window: 600,
            clients: 4096,
            queue: 10_000,
            queue_wait: Duration::from_secs(5),
        }
    }
}

/// Where every client beyond the tally's bound is counted.
const MANY_CLIENTS: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    client: IpAddr,
    actor: String,
    outcome: AuditOutcome,
    /// The sheet whose images are tallied (`/iiif/3/{id}/{sheet}`), if any.
    sheet: Option<String>,
}

#[derive(Debug, Default)]
struct Window {
    /// The first event of each client in the window, and how many it stands for.
    events: HashMap<Key, (AuditEvent, u64)>,
    /// Requests without a valid token per client address.
    anonymous: HashMap<IpAddr, u64>,
}

/// The tally of the current window.
#[derive(Debug)]
pub(crate) struct Tally {
    limits: AuditLimits,
    window: Mutex<Window>,
}

impl Tally {
    pub(crate) fn new(limits: AuditLimits) -> Self {
        Tally {
            limits,
            window: Mutex::new(Window::default()),
        }
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn limits(&self) -> &AuditLimits {
        &self.limits
    }

    /// The address a client is tallied under: its own while there is room.
    fn slot<V>(map: &HashMap<IpAddr, V>, client: IpAddr, clients: usize) -> IpAddr {
        if map.contains_key(&client) || map.len() < clients {
            client
        } else {
            MANY_CLIENTS
        }
    }

    /// Counts a request without a valid token; false when its client has had its
    /// share of the window.
    pub(crate) fn admit_anonymous(&self, client: IpAddr) -> bool {
        let mut window = self.window();
        let slot = Self::slot(&window.anonymous, client, self.limits.clients);
        let count = window.anonymous.entry(slot).or_insert(0);
        *count += 1;
        // Clients counted together share one client's allowance several times over.
        let share = if slot == MANY_CLIENTS { 16 } else { 1 };
        *count <= self.limits.anonymous_per_window * share
    }

    /// Adds an event to its client's tally.
    pub(crate) fn add(&self, client: IpAddr, event: AuditEvent) {
        self.add_keyed(client, event, None);
    }

    /// Adds an image request of `sheet` (`/iiif/3/{id}/{sheet}`) to its caller's tally
    /// of that sheet; the window's event names the sheet.
    pub(crate) fn add_sheet_image(&self, client: IpAddr, mut event: AuditEvent, sheet: String) {
        event.target.clone_from(&sheet);
        self.add_keyed(client, event, Some(sheet));
    }

    fn add_keyed(&self, client: IpAddr, event: AuditEvent, sheet: Option<String>) {
        let mut window = self.window();
        let mut key = Key {
            client,
            actor: event.actor.clone(),
            outcome: event.outcome,
            sheet,
        };
        if !window.events.contains_key(&key) && window.events.len() >= self.limits.clients {
            key.client = MANY_CLIENTS;
            key.actor = "many".to_owned();
            key.sheet = None;
        }
        let many = key.client == MANY_CLIENTS;
        window
            .events
            .entry(key)
            .and_modify(|(_, count)| *count += 1)
            .or_insert_with(|| {
                let mut event = event;
                if many {
                    event.actor = "many".to_owned();
                    event.client = "http@many".to_owned();
                }
                (event, 1)
            });
    }

    /// Ends the window: one event per tallied client, the tally emptied.
    pub(crate) fn take(&self) -> Vec<AuditEvent> {
        let window = std::mem::take(&mut *self.window());
        let mut events: Vec<AuditEvent> = window
            .events
            .into_values()
            .map(|(mut event, count)| {
                event.count = (count > 1).then_some(count);
                event
            })
            .collect();
        events.sort_by(|a, b| (&a.time, &a.client).cmp(&(&b.time, &b.client)));
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fehrist_model::AUDIT_EVENT_VERSION;

    fn event(client: &str, outcome: AuditOutcome) -> AuditEvent {
        AuditEvent {
            event_version: AUDIT_EVENT_VERSION,
            time: "2026-12-01T10:00:00Z".into(),
            actor: "anonymous".into(),
            agency: "-".into(),
            role: "anonymous".into(),
            action: "search".into(),
            target: "/api/v1/search?q=x".into(),
            outcome,
            client: format!("http@{client}"),
            count: None,
        }
    }

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n))
    }

    #[test]
    fn a_viewers_tiles_are_one_event_per_sheet_with_their_count() {
        let tally = Tally::new(AuditLimits::default());
        let tile = |n: u32| AuditEvent {
            actor: "token:t1".into(),
            action: "iiif-3".into(),
            target: format!("/iiif/3/ab/1/{n},0,512,512/512,/0/default.jpg"),
            outcome: AuditOutcome::Success,
            ..event("10.0.0.1", AuditOutcome::Success)
        };
        for n in 0..40 {
            tally.add_sheet_image(ip(1), tile(n), "/iiif/3/ab/1".into());
        }
        tally.add_sheet_image(ip(1), tile(0), "/iiif/3/ab/2".into());
        let mut events = tally.take();
        events.sort_by(|a, b| a.target.cmp(&b.target));
        let seen: Vec<_> = events
            .iter()
            .map(|e| (e.target.as_str(), e.actor.as_str(), e.count))
            .collect();
        assert_eq!(
            seen,
            [
                ("/iiif/3/ab/1", "token:t1", Some(40)),
                ("/iiif/3/ab/2", "token:t1", None)
            ]
        );
    }

    #[test]
    fn a_window_is_one_event_per_client_and_outcome_with_its_count() {
        let tally = Tally::new(AuditLimits::default());
        for _ in 0..1000 {
            tally.add(ip(1), event("10.0.0.1", AuditOutcome::Denied));
        }
        tally.add(ip(1), event("10.0.0.1", AuditOutcome::Negative));
        tally.add(ip(2), event("10.0.0.2", AuditOutcome::Denied));
        let events = tally.take();
        assert_eq!(events.len(), 3);
        let counts: Vec<_> = events
            .iter()
            .map(|e| (e.client.as_str(), e.count))
            .collect();
        assert!(
            counts.contains(&("http@10.0.0.1", Some(1000))),
            "{counts:?}"
        );
        assert!(counts.contains(&("http@10.0.0.1", None)));
        assert!(counts.contains(&("http@10.0.0.2", None)));
        assert!(tally.take().is_empty(), "a window starts empty");
    }

    #[test]
    fn clients_past_the_bound_are_tallied_together() {
        let limits = AuditLimits {
            clients: 10,
            ..AuditLimits::default()
        };
        let tally = Tally::new(limits);
        for n in 0..10_000 {
            tally.add(ip(n), event("x", AuditOutcome::Denied));
        }
        let events = tally.take();
        assert_eq!(events.len(), 11);
        let many = events.iter().find(|e| e.client == "http@many").unwrap();
        assert_eq!(many.count, Some(9_990));
    }

    #[test]
    fn an_anonymous_client_gets_its_share_of_a_window() {
        let limits = AuditLimits {
            anonymous_per_window: 5,
            clients: 2,
            ..AuditLimits::default()
        };
        let tally = Tally::new(limits);
        let admitted = (0..8).filter(|_| tally.admit_anonymous(ip(1))).count();
        assert_eq!(admitted, 5);
        assert!(
            tally.admit_anonymous(ip(2)),
            "another client has its own share"
        );
        // Past the bound, clients share one larger allowance.
        let crowd = (100..300).filter(|&n| tally.admit_anonymous(ip(n))).count();
        assert_eq!(crowd, 80);
        tally.take();
        assert!(tally.admit_anonymous(ip(1)), "a new window, a new share");
    }
}
