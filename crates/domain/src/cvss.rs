//! CVSS 3.x and 4.0: parsing vectors and computing base scores and severities.
