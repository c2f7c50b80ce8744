{"algorithm":"ed25519","key_id":"ddeb9fc0","key_name":"station-1","signature":"y4qpe4RVbuQLpIIWhQ8VWhqftB0nHubKquJzWla0x1p+0kHegAQ0l31A5ATCIbcA7M+w6Or6Pa3J7k8EhkI6CQ=="}
