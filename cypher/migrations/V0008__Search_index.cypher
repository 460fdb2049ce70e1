// Full-text search (issue 17): names, descriptions, tags and model card sections of models, model
// versions and datasets, in one Lucene index that search(query:) asks with exact, prefix and
// one-edit fuzzy terms. Tags are indexed as their "key=value" strings.
CREATE FULLTEXT INDEX registry_search IF NOT EXISTS
FOR (n:Model|ModelVersion|Dataset)
ON EACH [n.name, n.description, n.tags, n.cardSummary, n.cardIntendedUse, n.cardLimitations,
         n.cardEthicalConsiderations, n.cardEvaluation];
