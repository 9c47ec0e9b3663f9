//! What a wildcard in an allow-list host may stand for: only names under a
//! domain the admin wrote out.
//!
//! `*.io`, `docker.*` or `*.azurecr.io` in an allow list look like a few
//! registries and admit anyone who can register a domain or open a cloud
//! account. An allow entry's wildcard host (in `registries.allow`, in the
//! registry part of an `images.allow` glob, in `exemptImages`) must therefore:
//!
//! 1. name at least one label without a wildcard;
//! 2. end in its registrable domain written out: the public suffix and the
//!    label in front of it carry no wildcard (names reserved for private use,
//!    `*.internal`, `*.svc.cluster.local`, have no public suffix);
//! 3. not put a wildcard where a cloud registry service puts its customer's
//!    name ([`TENANT_ZONES`]).
//!
//! Reject lists are not checked: a wildcard there only narrows what is admitted.

use crate::glob::{self, Glob};
use crate::public_suffix;

/// A registry service whose hosts carry the customer's name as a label.
struct TenantZone {
    /// The labels after the customer's, `*` standing for one label (a region).
    zone: &'static str,
    /// Whose customers.
    service: &'static str,
    /// A host that names one customer.
    example: &'static str,
}

/// Registry services whose subdomain is the tenant, with where each says so.
const TENANT_ZONES: [TenantZone; 10] = [
    // learn.microsoft.com/azure/container-registry: `myregistry.azurecr.io`;
    // Azure China and Azure Government use `.azurecr.cn` and `.azurecr.us`.
    TenantZone {
        zone: "azurecr.io",
        service: "Azure",
        example: "myorg.azurecr.io",
    },
    TenantZone {
        zone: "azurecr.cn",
        service: "Azure China",
        example: "myorg.azurecr.cn",
    },
    TenantZone {
        zone: "azurecr.us",
        service: "Azure Government",
        example: "myorg.azurecr.us",
    },
    // docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html:
    // `aws_account_id.dkr.ecr.region.amazonaws.com`; China regions end in
    // `.amazonaws.com.cn`, FIPS endpoints use `dkr.ecr-fips`, dual-stack
    // endpoints `aws_account_id.dkr-ecr.region.on.aws`.
    TenantZone {
        zone: "dkr.ecr.*.amazonaws.com",
        service: "Amazon ECR",
        example: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    },
    TenantZone {
        zone: "dkr.ecr.*.amazonaws.com.cn",
        service: "Amazon ECR",
        example: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
    },
    TenantZone {
        zone: "dkr.ecr-fips.*.amazonaws.com",
        service: "Amazon ECR",
        example: "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
    },
    TenantZone {
        zone: "dkr-ecr.*.on.aws",
        service: "Amazon ECR",
        example: "123456789012.dkr-ecr.eu-west-1.on.aws",
    },
    // jfrog.com/help (JFrog SaaS): `<server name>.jfrog.io`.
    TenantZone {
        zone: "jfrog.io",
        service: "JFrog cloud",
        example: "myorg.jfrog.io",
    },
    // alibabacloud.com/help/acr (Enterprise Edition instances):
    // `<instance>-registry.<region>.cr.aliyuncs.com`.
    TenantZone {
        zone: "*.cr.aliyuncs.com",
        service: "Alibaba Cloud ACR",
        example: "myorg-registry.cn-hangzhou.cr.aliyuncs.com",
    },
    // tencentcloud.com/document/product/1051 (TCR): `<instance>.tencentcloudcr.com`.
    TenantZone {
        zone: "tencentcloudcr.com",
        service: "Tencent Cloud TCR",
        example: "myorg.tencentcloudcr.com",
    },
];

/// One host label against a label glob: case-insensitive, wildcards inside the label.
const LABEL_GLOB: Glob = Glob {
    one_never: b".:/",
    ignore_case: true,
};

/// Refuses a wildcard host of an allow entry that reaches a registry the admin
/// did not write out. `labels` are the host's labels after a leading `*.`
/// (`subdomains`), each a literal or a glob inside the label.
pub fn check(subdomains: bool, labels: &str) -> Result<(), String> {
    let all: Vec<&str> = labels.split('.').collect();
    let literal = all.iter().rev().take_while(|l| !glob::is_glob(l)).count();
    if literal == all.len() && !subdomains {
        return Ok(());
    }
    if literal == 0 {
        return Err(if all.iter().all(|l| glob::is_all_wildcards(l)) {
            "wildcards alone would admit every registry: name the registry, like ghcr.io/acme/* or *.corp.example".into()
        } else {
            "a wildcard in the last label matches every top-level domain, including ones others register: write the domain out, like docker.io".into()
        });
    }
    let tail = labels
        .get(labels.len() - tail_len(&all, literal)..)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if public_suffix::is_public_suffix(&tail) {
        return Err(format!(
            "\"{tail}\" is a public suffix, under which anyone can register a name: write your own domain out, like *.example.{tail} or registry.example.{tail}"
        ));
    }
    if let Some(zone) = TENANT_ZONES
        .iter()
        .find(|z| reaches_tenant(&all, subdomains, z.zone))
    {
        return Err(format!(
            "admits every {} customer's registry: name yours, like {}",
            zone.service, zone.example
        ));
    }
    Ok(())
}

/// The length of the last `n` labels, dots between them included.
fn tail_len(labels: &[&str], n: usize) -> usize {
    let n = n.min(labels.len());
    labels.iter().rev().take(n).map(|l| l.len()).sum::<usize>() + n.saturating_sub(1)
}

/// True when the entry may cover a host of `zone` with a customer label it
/// does not write out: its labels fit the zone's from the right, and the label
/// in front of the zone is a glob, or is covered by the leading `*.`.
fn reaches_tenant(labels: &[&str], subdomains: bool, zone: &str) -> bool {
    let mut own = labels.iter().rev();
    for want in zone.rsplit('.') {
        match own.next() {
            // The entry's hosts end before the zone does, unless `*.` goes on.
            None => return subdomains,
            Some(label) => {
                let fits = want == "*"
                    || if glob::is_glob(label) {
                        LABEL_GLOB.matches(label.as_bytes(), want.as_bytes())
                    } else {
                        label.eq_ignore_ascii_case(want)
                    };
                if !fits {
                    return false;
                }
            }
        }
    }
    match own.next() {
        None => subdomains,
        Some(tenant) => glob::is_glob(tenant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// The check on an entry as written (`*.` prefix included).
    fn check_entry(host: &str) -> Result<(), String> {
        match host.strip_prefix("*.") {
            Some(rest) => check(true, rest),
            None => check(false, host),
        }
    }

    #[rstest]
    // Wildcards under a domain the admin names.
    #[case::subdomains("*.corp.example")]
    #[case::label_one("registry-?.corp.example")]
    #[case::label_star("registry-*.corp.example")]
    #[case::deep_label("eu.registry-*.corp.example")]
    #[case::under_co_uk("*.acme.co.uk")]
    #[case::hub_subdomains("*.docker.io")]
    #[case::one_tenant_any_region("123456789012.dkr.ecr.*.amazonaws.com")]
    #[case::tenant_with_glob_inside_region("123456789012.dkr.ecr.eu-*.amazonaws.com")]
    #[case::azure_exact_tenant_region("*.myorg.azurecr.io")]
    // Names reserved for private use.
    #[case::internal("*.internal")]
    #[case::local("*.local")]
    #[case::cluster_local("*.svc.cluster.local")]
    #[case::home_arpa("*.home.arpa")]
    #[case::localhost("*.localhost")]
    #[case::label_internal("registry-*.internal")]
    // No wildcard: nothing to check.
    #[case::exact("myorg.azurecr.io")]
    #[case::exact_tld_like("io")]
    fn keeps(#[case] host: &str) {
        assert_eq!(check_entry(host), Ok(()));
    }

    #[rstest]
    #[case::star_alone("*", "wildcards alone would admit every registry")]
    #[case::star_labels("*.?*", "wildcards alone would admit every registry")]
    #[case::last_label(
        "docker.*",
        "a wildcard in the last label matches every top-level domain"
    )]
    #[case::last_label_one("ghcr.i?", "a wildcard in the last label")]
    #[case::tld("*.io", "\"io\" is a public suffix")]
    #[case::com("*.com", "\"com\" is a public suffix")]
    #[case::co_uk("*.co.uk", "\"co.uk\" is a public suffix")]
    #[case::com_au("*.com.au", "\"com.au\" is a public suffix")]
    #[case::upper_case("*.CO.UK", "\"co.uk\" is a public suffix")]
    #[case::glob_before_tld("acme-*.io", "\"io\" is a public suffix, under which anyone can register a name: write your own domain out, like *.example.io or registry.example.io")]
    #[case::prefecture("*.aichi.jp", "\"aichi.jp\" is a public suffix")]
    #[case::azure(
        "*.azurecr.io",
        "admits every Azure customer's registry: name yours, like myorg.azurecr.io"
    )]
    #[case::azure_glob_label("acme-*.azurecr.io", "admits every Azure customer's registry")]
    #[case::azure_china("*.azurecr.cn", "Azure China")]
    #[case::azure_gov("*.azurecr.us", "Azure Government")]
    #[case::ecr_region("*.dkr.ecr.us-east-1.amazonaws.com", "admits every Amazon ECR customer's registry: name yours, like 123456789012.dkr.ecr.eu-west-1.amazonaws.com")]
    #[case::ecr_any_region("*.dkr.ecr.*.amazonaws.com", "Amazon ECR")]
    #[case::ecr_whole_aws("*.amazonaws.com", "Amazon ECR")]
    #[case::ecr_region_zone("*.us-east-1.amazonaws.com", "Amazon ECR")]
    #[case::ecr_china("*.dkr.ecr.cn-north-1.amazonaws.com.cn", "Amazon ECR")]
    #[case::ecr_fips("*.dkr.ecr-fips.us-east-1.amazonaws.com", "Amazon ECR")]
    #[case::ecr_dual_stack("*.dkr-ecr.eu-west-1.on.aws", "Amazon ECR")]
    #[case::jfrog("*.jfrog.io", "JFrog cloud")]
    #[case::aliyun("*.cn-hangzhou.cr.aliyuncs.com", "Alibaba Cloud ACR")]
    #[case::tencent("*.tencentcloudcr.com", "Tencent Cloud TCR")]
    fn refuses(#[case] host: &str, #[case] message: &str) {
        let err = check_entry(host).expect_err("refused");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }
}
