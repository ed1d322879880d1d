# Certificate registrations arrive with their own issue; the app exists so the
# project layout matches DESIGN.md.
