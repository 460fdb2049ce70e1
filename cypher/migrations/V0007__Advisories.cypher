// Advisories imported from OSV records (issue 17): one node per OSV id, and the packages they
// affect as (Advisory)-[:AFFECTS]->(Package) edges computed at import, so "which versions are
// vulnerable" is one traversal ModelVersion -REQUIRES-> Package <-AFFECTS- Advisory.
CREATE CONSTRAINT advisory_osv_id IF NOT EXISTS FOR (a:Advisory) REQUIRE a.osvId IS UNIQUE;
// Advisories by the PEP 503 names they affect, kept as "|name|name|" text: a text index answers
// CONTAINS "|name|" when a new package version is matched against the stored advisories.
CREATE TEXT INDEX advisory_package_names IF NOT EXISTS FOR (a:Advisory) ON (a.packageNames);
// Aliases as "|CVE-...|GHSA-...|" text, for advisory(osvId:) given an alias.
CREATE TEXT INDEX advisory_alias_names IF NOT EXISTS FOR (a:Advisory) ON (a.aliasNames);
