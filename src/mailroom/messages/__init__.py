"""Email messages: subject, sender and bodies with Ongage's dynamic fields ("merge tags")."""
