class Trainer:
    def __init__(self, model: nn.Module,
                 optimizer,
                 train_dataset: Dataset,
                 val_dataset: Dataset,
                 tboard_log_dir: str,
                 batch_size: int = 128):
        self.model = model
        self.optimizer = optimizer
        self.train_dataset = train_dataset
        self.val_dataset = val_dataset
        self.batch_size = batch_size

        self.device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
        self.model = self.model.to(self.device)

        self.global_step = 0
        self.log_writer = SummaryWriter(log_dir=tboard_log_dir)

    def train(self, num_epochs: int):
        model = self.model
        optimizer = self.optimizer

        train_loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        val_loader = DataLoader(self.val_dataset, shuffle=False, batch_size=self.batch_size)
        best_loss = float('inf')

        for epoch in range(num_epochs):
            model.train()
            train_losses = []
            for batch in tqdm(train_loader, desc=f'epoch {epoch + 1}/{num_epochs}', leave=False,
                              mininterval=1):
                batch = {k: v.to(self.device) for k, v in batch.items()}
                loss, details = model.compute_all(batch)

                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                train_losses.append(loss.item())

                for k, v in details.items():
                    self.log_writer.add_scalar(k, v, global_step=self.global_step)
                self.global_step += 1

            model.eval()
            val_losses, val_metrics_list = [], []
            for batch in val_loader:
                batch = {k: v.to(self.device) for k, v in batch.items()}
                loss, details = model.compute_all(batch)
                val_losses.append(loss.item())
                val_metrics_list.append(details['acc'].item())

            val_loss, val_metrics = np.mean(val_losses), np.mean(val_metrics_list)
            self.log_writer.add_scalar('val/loss', val_loss, global_step=self.global_step)
            self.log_writer.add_scalar('val/metrics', val_metrics, global_step=self.global_step)
            print(f'epoch {epoch + 1}/{num_epochs}: train loss {np.mean(train_losses):.3f}, '
                  f'val loss {val_loss:.3f}, val accuracy {val_metrics:.3f}')
