namespace = "apps"
extra_labels = {
  team = "platform"
}
