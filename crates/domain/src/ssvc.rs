//! SSVC decision tables and CISA BOD 26-04 remediation deadlines.
