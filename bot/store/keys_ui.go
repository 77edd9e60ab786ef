package store

// Keys of the console's lookups: references and the directory of names.

// keyRef is the set of "kind|violation id" one short reference names. One
// key per reference: every write touches one key, so no hash tag is needed.
func (s *Store) keyRef(ref string) string { return s.prefix + "ref:" + keyPart(ref) }

// keyDirectory is HR's imported directory (userid → member); an import
// that replaces it is written to keyDirectoryImport and renamed over it,
// so both share {directory}.
func (s *Store) keyDirectory() string { return s.prefix + "{directory}:members" }
func (s *Store) keyDirectoryImport(id string) string {
	return s.prefix + "{directory}:import:" + keyPart(id)
}
