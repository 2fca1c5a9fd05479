//! The server over TLS: a client that trusts the server's certificate talks
//! to it; a plaintext client does not get through.

use chainplan::server::pb;
use chainplan::server::pb::network_service_client::NetworkServiceClient;
use chainplan::server::{run, ServerConfig};
use chainplan::store::MemoryStore;
use std::sync::Arc;
use std::time::Duration;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trusting_the_certificate_gets_through_tls() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = cert.cert.pem();
    let key_pem = cert.signing_key.serialize_pem();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = ServerConfig::new(Arc::new(MemoryStore::new()));
    config.tls = Some((cert_pem.clone().into_bytes(), key_pem.into_bytes()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        run(config, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });

    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(cert_pem))
        .domain_name("localhost");
    let mut channel = None;
    for _ in 0..50 {
        let endpoint = Channel::from_shared(format!("https://localhost:{port}"))
            .unwrap()
            .tls_config(tls.clone())
            .unwrap();
        if let Ok(c) = endpoint.connect().await {
            channel = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut client = NetworkServiceClient::new(channel.expect("TLS connection"));
    let listed = client
        .list_networks(pb::ListNetworksRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.networks.is_empty());

    // Plaintext HTTP/2 to a TLS port fails instead of being served.
    let plain = Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(2));
    // The port answers (it is no refused connection nor a timeout), but not
    // to plaintext: the HTTP/2 handshake or the first call fails.
    let failure = match plain.connect().await {
        Err(e) => format!("{:?}", e),
        Ok(ch) => match NetworkServiceClient::new(ch)
            .list_networks(pb::ListNetworksRequest::default())
            .await
        {
            Ok(_) => panic!("plaintext was served on the TLS port"),
            Err(status) => format!("{status:?}"),
        },
    };
    assert!(!failure.contains("Connection refused"), "{failure}");
    assert!(!failure.to_lowercase().contains("timed out"), "{failure}");
    // And TLS is still served after it.
    let again = client
        .list_networks(pb::ListNetworksRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(again.networks.is_empty());

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .unwrap()
        .unwrap();
}
