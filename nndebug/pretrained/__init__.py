"""The bug-seeded pretrained model: train the seed's ResNet18, zero configured tensors, check the bug."""
