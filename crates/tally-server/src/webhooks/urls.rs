//! Which URLs an endpoint may have: `http`/`https` only, and — unless the
//! operator allows private networks — none that reaches loopback, private,
//! link-local or cloud-metadata addresses, so registering an endpoint cannot
//! make Tally probe its own network (SSRF). Checked when an endpoint is saved
//! and again at every delivery, on the addresses the name resolves to then
//! (a name can be re-pointed after it was registered).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

use crate::error::{ApiError, ApiResult};

pub const MAX_URL_LEN: usize = 2048;

/// Whether Tally may connect to `ip` when private networks are not allowed.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || a == 0
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16, with the metadata address 169.254.169.254
        || ip.is_broadcast()
        || ip.is_multicast()
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local, with the metadata address fd00:ec2::254
        || (first & 0xffc0) == 0xfe80) // link-local
}

/// Parses and checks an endpoint's URL; answers the URL to store.
pub async fn check(url: &str, allow_private_networks: bool) -> ApiResult<String> {
    let invalid = |why: &str| ApiError::invalid_field("url", why.to_owned());
    if url.len() > MAX_URL_LEN {
        return Err(invalid("at most 2048 characters"));
    }
    let parsed = Url::parse(url).map_err(|e| invalid(&format!("not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("only http and https URLs can receive webhooks"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL needs a host"));
    }
    if !allow_private_networks {
        let addresses = resolve(&parsed).await.map_err(|why| {
            ApiError::unprocessable("webhook_url_unresolvable", format!("the URL's host does not resolve: {why}"))
        })?;
        if let Some(private) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(not_allowed(private.ip()));
        }
    }
    Ok(parsed.to_string())
}

pub fn not_allowed(ip: IpAddr) -> ApiError {
    ApiError::unprocessable(
        "webhook_url_not_allowed",
        format!(
            "the URL reaches {ip}, a loopback, private, link-local or metadata address; Tally refuses those \
             unless the node runs with --webhooks-allow-private-networks"
        ),
    )
}

/// The addresses a URL's host stands for (an IP literal stands for itself).
pub async fn resolve(url: &Url) -> Result<Vec<SocketAddr>, String> {
    let port = url.port_or_known_default().unwrap_or(443);
    match url.host() {
        Some(url::Host::Ipv4(ip)) => Ok(vec![SocketAddr::new(ip.into(), port)]),
        Some(url::Host::Ipv6(ip)) => Ok(vec![SocketAddr::new(ip.into(), port)]),
        Some(url::Host::Domain(name)) => {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name, port)).await.map_err(|e| e.to_string())?.collect();
            if found.is_empty() { Err("no address".to_owned()) } else { Ok(found) }
        }
        None => Err("no host".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_for_scheme_host_and_address() {
        assert!(check("ftp://93.184.216.34/", false).await.is_err());
        assert!(check("not a url", false).await.is_err());
        assert!(check("http://127.0.0.1:9/hook", false).await.is_err());
        assert!(check("http://[::1]/hook", false).await.is_err());
        assert!(check("http://localhost/hook", false).await.is_err());
        assert_eq!(check("http://93.184.216.34/hook", false).await.unwrap(), "http://93.184.216.34/hook");
        assert!(check("http://127.0.0.1:9/hook", true).await.is_ok());
    }
}
