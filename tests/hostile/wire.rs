//! Bytes that are not the request at all, sent as raw HTTP/2 to every
//! service: garbage, truncated fields, invalid UTF-8, wrong wire types,
//! nested groups past any decoder's depth, broken gRPC framing. Each is
//! INVALID_ARGUMENT (defect 11: they were INTERNAL with the decoder's
//! message), changes nothing, and leaves the server healthy.

use crate::common::raw::frame;
use crate::harness::*;
use tonic::Code;

/// One request to every service; each takes a `network_id` (or an id) as
/// field 1, a string.
const METHODS: [(&str, &str); 6] = [
    ("chainplan.v1.NetworkService/PutNetwork", ERP),
    ("chainplan.v1.NetworkService/UpdateOrders", ERP),
    ("chainplan.v1.PlanningService/GetPlan", ERP),
    ("chainplan.v1.PlanningService/Solve", ERP),
    ("chainplan.v1.ScenarioService/CreateScenario", PLANNER),
    (
        "chainplan.v1.SupplierService/Acknowledge",
        "supplier-gearworks",
    ),
];

async fn send(h: &Hostile, method: &str, token: &str, body: Vec<u8>) -> (Code, String) {
    crate::common::raw::send(&h.channel, h.server.addr, method, Some(token), body).await
}

/// Field 1 with wire type 2 (length-delimited) and the given bytes.
fn string_field(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0x0a, bytes.len() as u8];
    out.extend_from_slice(bytes);
    out
}

fn garbage() -> Vec<(&'static str, Vec<u8>)> {
    // 5,000 nested start-group tags (field 2, wire type 3).
    let nested = vec![0x13; 5000];
    vec![
        ("ff ff ff", frame(&[0xff, 0xff, 0xff])),
        ("invalid UTF-8", frame(&string_field(&[0xff, 0xfe, 0xfd]))),
        ("truncated field", frame(&[0x0a, 100, b'a', b'b', b'c'])),
        ("wrong wire type", frame(&[0x0d, 1, 2, 3, 4])),
        ("nested groups", frame(&nested)),
        (
            "huge length varint",
            frame(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        ),
        ("field number 0", frame(&[0x02, 0x01, 0x00])),
        ("frame shorter than it says", {
            let mut f = frame(&string_field(b"gearbox"));
            f.truncate(f.len() - 3);
            f
        }),
        ("compressed without an encoding", {
            let mut f = frame(&string_field(b"gearbox"));
            f[0] = 1;
            f
        }),
        ("bad compression flag", {
            let mut f = frame(&string_field(b"gearbox"));
            f[0] = 7;
            f
        }),
        ("a header and no body", vec![0, 0, 0]),
        ("no message", Vec::new()),
    ]
}

// 11. Garbage bytes gave INTERNAL with the decoder's message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d11_bytes_that_are_not_the_request_are_invalid_argument_on_every_service() {
    let h = Hostile::published().await;
    let before = snapshot(h.store.as_ref()).await;
    for (method, token) in METHODS {
        for (what, body) in garbage() {
            let (code, message) = send(&h, method, token, body).await;
            assert_eq!(
                code,
                Code::InvalidArgument,
                "{method} with {what}: {message}"
            );
            assert!(message.len() < 2048, "{method} with {what}");
            assert!(
                !message.contains("internal"),
                "{method} with {what}: {message}"
            );
        }
    }
    assert_eq!(snapshot(h.store.as_ref()).await, before);
    invariants(h.store.as_ref()).await;
    h.healthy().await;
    // A well-formed message sent the raw way is answered as usual.
    let (code, _) = send(
        &h,
        "chainplan.v1.PlanningService/GetPlan",
        ERP,
        frame(&string_field(b"plan-none")),
    )
    .await;
    assert_eq!(code, Code::NotFound);
    h.stop().await;
}

// Without a token, garbage is not even read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_without_a_token_is_unauthenticated() {
    let h = Hostile::start().await;
    for (method, _) in METHODS {
        let (code, _) = send(&h, method, "wrong", frame(&[0xff, 0xff])).await;
        assert_eq!(code, Code::Unauthenticated, "{method}");
    }
    h.healthy().await;
    h.stop().await;
}
